// The agent's young generation is kept to at most 8 MiB per semi-space (V8 grows it to 16 MiB by default, 32 on
// Node 24).
// V8 doubles it once enough has survived its collections, and relaying a command's output does that: a fresh
// agent's first 100 MB of output took it from 8 to 16 MiB, 24 MiB of fresh pages to fault in (~6,000 faults; on
// these VMs ~12-15 us each), and each collection of the larger one cost no less. Held at 8 MiB, the agent's main
// thread used 10% less CPU over that relay (0.902 +-0.014 over 10 interleaved pairs) and the relay was 5% faster
// (1.050 +-0.022). Node reads `--max-semi-space-size` only from its own command line (a `#!/usr/bin/env node` bin
// has none), but V8 reads its growth factor each time it grows: once the cap is reached, a factor of 1 keeps it.
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

const SEMI_SPACE_MIB = 8;

/** Both semi-spaces of the young generation, in bytes. */
export const youngGenerationBytes = (): number => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;

/**
 * Stops the young generation's growth once it is found at half of `semiSpaceMiB` per semi-space: collections are
 * reported between turns of the event loop, so it may still double once before that (to the cap), not more, unless
 * one turn grows it twice (a burst that keeps megabytes alive from collection to collection; the agent's relay
 * handles one read of output per turn).
 */
export function capYoungGeneration(semiSpaceMiB = SEMI_SPACE_MIB): void {
  const stopAt = semiSpaceMiB * 1024 * 1024; // both semi-spaces at half the cap
  const reached = () => {
    if (youngGenerationBytes() < stopAt) return false;
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    return true;
  };
  if (reached()) return;
  const watch = new PerformanceObserver(() => { if (reached()) watch.disconnect(); });
  watch.observe({ entryTypes: ['gc'] });
}
