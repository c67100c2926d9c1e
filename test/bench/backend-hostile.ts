// The hostile part of bench:backend (#12): one account stores 60 MB of events over three tasks, holds 10
// sockets on them that never read (`?after=0`), and floods 10,000 frames from another socket, while honest
// tasks run. Reports the sandbox's peak RSS growth (from /proc) and the honest p99 with and without it.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { routes } from '../../protocol/backend/index.js';
import { OTHER_CUSTOMER, tokenFor } from '../backend/_util.js';
import { api, type Sandbox } from '../helpers/sandbox.js';

export interface HostileReport { rssStartMb: number; rssBeforeMb: number; rssPeakMb: number; flood: { acked: number; refused: number } }

const STORED_TASKS = 3;
const MESSAGES_PER_TASK = 1000;
const MESSAGE_CHARS = 20_000;
const READERS = 10;
const FLOOD = 10_000;

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

function socket(sb: Sandbox, taskId: string, token: string, onMessage?: (m: any) => void): Promise<WebSocket> {
  const ws = new WebSocket(`${sb.url.replace(/^http/, 'ws')}${routes.tasks.events.path(taskId)}?after=0`, { headers: { authorization: `Bearer ${token}` } });
  ws.on('error', () => {});
  if (onMessage) ws.on('message', (d) => onMessage(JSON.parse(String(d))));
  return new Promise((resolve, reject) => { ws.once('open', () => resolve(ws)); ws.once('unexpected-response', (_q, r) => reject(new Error(`upgrade ${r.statusCode}`))); });
}

/** Stores MESSAGES_PER_TASK messages of MESSAGE_CHARS on each of STORED_TASKS tasks of the attacking account. */
async function store(sb: Sandbox, token: string): Promise<string[]> {
  const tasks: string[] = [];
  for (let t = 0; t < STORED_TASKS; t++) {
    const r = await api(sb.url, 'POST', routes.tasks.create.path(), { token, body: { issue: `hostile ${t}` } });
    const taskId = r.body.taskId as string;
    tasks.push(taskId);
    let answered = 0;
    let done!: () => void;
    const all = new Promise<void>((res) => { done = res; });
    const ws = await socket(sb, taskId, token, (m) => {
      if (m.type === 'error') throw new Error(`storing refused: ${m.error.code}`);
      if (m.type === 'ack' && ++answered === MESSAGES_PER_TASK) done();
    });
    for (let i = 0; i < MESSAGES_PER_TASK; i++) {
      ws.send(JSON.stringify({ type: 'customer_message', id: `s${t}-${i}`, payload: { text: `${i} `.padEnd(MESSAGE_CHARS, 'x') } }));
    }
    await all;
    ws.close();
  }
  return tasks;
}

/** Runs `honest` while the attack goes on; returns its result with the memory figures. */
export async function underAttack<R>(sb: Sandbox, honest: () => Promise<R>): Promise<{ run: R; report: HostileReport }> {
  const token = await tokenFor(sb.url, OTHER_CUSTOMER, ['tasks']);
  const rssStart = rssMb(sb.proc.pid!);
  const tasks = await store(sb, token);
  const floodTask = (await api(sb.url, 'POST', routes.tasks.create.path(), { token, body: { issue: 'flood' } })).body.taskId as string;
  const rssBefore = rssMb(sb.proc.pid!);
  let peak = rssBefore;
  const sampler = setInterval(() => { if (sb.proc.exitCode === null) peak = Math.max(peak, rssMb(sb.proc.pid!)); }, 20);
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; i < READERS; i++) {
      const ws = await socket(sb, tasks[i % STORED_TASKS], token);
      ws.pause();
      sockets.push(ws);
    }
    const flood = { acked: 0, refused: 0 };
    const flooder = await socket(sb, floodTask, token, (m) => { if (m.type === 'ack') flood.acked++; else if (m.type === 'error') flood.refused++; });
    sockets.push(flooder);
    for (let i = 0; i < FLOOD; i++) flooder.send(JSON.stringify({ type: 'customer_message', id: `f${i}`, payload: { text: `flood ${i}` } }));
    const run = await honest();
    return { run, report: { rssStartMb: rssStart, rssBeforeMb: rssBefore, rssPeakMb: peak, flood } };
  } finally {
    clearInterval(sampler);
    for (const ws of sockets) ws.terminate();
  }
}

export const hostileSetup = { STORED_TASKS, MESSAGES_PER_TASK, MESSAGE_CHARS, READERS, FLOOD };
