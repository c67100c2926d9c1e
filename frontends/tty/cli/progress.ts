// A progress bar on stderr for `$/progress` notifications of one work-done token; terminals only. When the
// work is counted in bytes: done / total, the rate, and the time left at that rate.
import { Progress } from '../../../protocol/methods/lifecycle.js';
import type { AgentClient } from './client.js';
import type { Io } from './io.js';

const WIDTH = 28;

export const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 ** 2).toFixed(1)} MB`);
const secs = (s: number) => (s < 60 ? `${Math.ceil(s)} s` : `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`);

/** "1.2 MB of 4.0 MB · 600.0 KB/s · 5 s left": the rate over the time since `startedAt`. */
export function byteCounts(done: number, total: number, elapsedMs: number): string {
  const parts = [`${bytes(done)} of ${bytes(total)}`];
  if (elapsedMs >= 250 && done > 0) {
    const rate = done / (elapsedMs / 1000);
    parts.push(`${bytes(Math.round(rate))}/s`);
    if (total > done) parts.push(`${secs((total - done) / rate)} left`);
  }
  return parts.join(' · ');
}

export function progressBar(io: Io, agent: AgentClient, token: string): () => void {
  if (!process.stderr.isTTY || io.json) return () => undefined;
  let title = '';
  let last = '';
  let startedAt = Date.now();
  const draw = (pct: number | undefined, msg = '') => {
    const filled = pct === undefined ? 0 : Math.round((pct / 100) * WIDTH);
    const bar = `${io.err.cyan('█'.repeat(filled))}${io.err.dim('░'.repeat(WIDTH - filled))}`;
    const tail = `${pct === undefined ? '' : `${Math.round(pct)}% `}${msg}`;
    // A line that wraps cannot be redrawn in place: narrow terminals lose the bar, then the title.
    const cols = (process.stderr.columns || 80) - 1;
    const full = `${title} ${bar} ${tail}`;
    const line = title.length + WIDTH + tail.length + 2 <= cols ? full : title.length + tail.length + 1 <= cols ? `${title} ${tail}` : tail.slice(0, cols);
    if (line !== last) process.stderr.write(`\r\x1b[2K${line}`);
    last = line;
  };
  const off = agent.on(Progress, ({ token: t, value }) => {
    if (t !== token) return;
    if (value.kind === 'begin') { title = value.title; startedAt = Date.now(); draw(value.percentage ?? 0, value.message); }
    else if (value.kind === 'report') {
      const counted = value.bytesDone !== undefined && value.bytesTotal !== undefined;
      draw(value.percentage, counted ? byteCounts(value.bytesDone!, value.bytesTotal!, Date.now() - startedAt) : value.message);
    } else { process.stderr.write('\r\x1b[2K'); last = ''; } // the caller prints the outcome
  });
  return () => { off(); if (last) process.stderr.write('\r\x1b[2K'); };
}
