// A process's identity beyond its pid: its start time, so a reused pid is never taken for ours.
import { readFileSync } from 'node:fs';

/** Start time of a process in clock ticks since boot (Linux), or null. */
export function processStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return null;
  }
}
