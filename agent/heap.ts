// The agent's young generation stops growing at 4 MiB per semi-space (8 at most), where V8 would grow it to 16 MiB
// (on a 64-bit machine with more than 2 GiB for the heap). V8 doubles it once enough has survived its collections,
// and relaying a command's output does that: a fresh agent's first 100 MB of output took it from 8 to 16 MiB, 24
// MiB of fresh pages to fault in (~6,000 faults, ~12-15 us each on these VMs), and each collection of the larger
// one cost no less. Held at 8 MiB, over that relay (10 interleaved pairs, commands started by spawner.ts's helper)
// the agent's main thread used 0.902 +-0.014 of the CPU and the relay took 1/1.050 +-0.022 of the time; held at
// 4 (this), with the helper, against neither: 0.887 +-0.013 and 1/1.041 +-0.020 (12 pairs). Node reads
// `--max-semi-space-size` only at start (its command line or NODE_OPTIONS; a `#!/usr/bin/env node` bin has no
// flags of its own), but V8 reads its growth factor each time it grows.
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

/** Both semi-spaces of the young generation, in bytes. */
export const youngGenerationBytes = (): number => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;

/**
 * Holds the young generation (both semi-spaces) at `stopMiB` for the life of the process: after each batch of
 * collections (reported between turns of the event loop) growth is stopped (factor 1) while it is that size or more,
 * and allowed again (factor 2) below it, since V8 shrinks it when the process idles and a frozen factor would keep
 * it small for good. It can double once before that is seen, not more, unless one turn doubles it twice (a burst
 * keeping megabytes alive from collection to collection; the agent's relay handles one read of output per turn).
 * Not on V8 13 and later (Node 24): there it grows in other steps and a factor of 1 did not hold it.
 */
export function capYoungGeneration(stopMiB = 8): void {
  if (Number(process.versions.v8.split('.')[0]) >= 13) return;
  const stopAt = stopMiB * 1024 * 1024;
  let stopped = false;
  const check = () => {
    const stop = youngGenerationBytes() >= stopAt;
    if (stop === stopped) return;
    stopped = stop;
    v8.setFlagsFromString(stop ? '--semi-space-growth-factor=1' : '--semi-space-growth-factor=2');
  };
  check();
  new PerformanceObserver(check).observe({ entryTypes: ['gc'] });
}
