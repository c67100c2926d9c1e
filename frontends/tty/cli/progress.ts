// A progress bar on stderr for `$/progress` notifications of one work-done token; terminals only.
import { Progress } from '../../../protocol/methods/lifecycle.js';
import type { AgentClient } from './client.js';
import type { Io } from './io.js';

const WIDTH = 28;

export function progressBar(io: Io, agent: AgentClient, token: string): () => void {
  if (!process.stderr.isTTY || io.json) return () => undefined;
  let title = '';
  let last = '';
  const draw = (pct: number | undefined, msg = '') => {
    const filled = pct === undefined ? 0 : Math.round((pct / 100) * WIDTH);
    const bar = `${io.err.cyan('█'.repeat(filled))}${io.err.dim('░'.repeat(WIDTH - filled))}`;
    const line = `${title} ${bar} ${pct === undefined ? '' : `${Math.round(pct)}% `}${msg}`;
    if (line !== last) process.stderr.write(`\r\x1b[2K${line}`);
    last = line;
  };
  const off = agent.on(Progress, ({ token: t, value }) => {
    if (t !== token) return;
    if (value.kind === 'begin') { title = value.title; draw(value.percentage ?? 0, value.message); }
    else if (value.kind === 'report') draw(value.percentage, value.message);
    else { process.stderr.write('\r\x1b[2K'); last = ''; } // the caller prints the outcome
  });
  return () => { off(); if (last) process.stderr.write('\r\x1b[2K'); };
}
