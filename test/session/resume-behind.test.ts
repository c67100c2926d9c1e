// The agent's event stream against the real sandbox when the agent is too busy to read: the sandbox closes
// the socket with readerBehind, and the stream resumes from its last seq with every event once, in order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { createLogger } from '../../agent/log.js';
import { sessionConfig } from '../../agent/session/config.js';
import { EventStream } from '../../agent/session/stream.js';
import { routes } from '../../protocol/backend/index.js';
import { TaskSocket } from '../helpers/engineer.js';
import { startSandbox } from '../helpers/sandbox.js';
import { createTask } from '../backend/_util.js';

test('a stream closed with readerBehind reconnects after its last seq and handles every event once', async () => {
  // The stall limit must be long enough that the test's own writer (busy under load) is not the one closed.
  const sb = await startSandbox({ args: ['--socket-stall-ms', '1500'] });
  try {
    const taskId = await createTask(sb);
    const N = 1000;
    const s = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), sb.customerToken);
    // In batches: a thousand 20 KB sends at once kept the writer from reading its own echoes for over 300 ms
    // on a loaded machine, and the sandbox closed the writer (4008) instead of the reader under test.
    for (let b = 0; b < N; b += 50) {
      await Promise.all(Array.from({ length: Math.min(50, N - b) }, (_, k) => s.send('customer_message', { text: `${b + k} `.padEnd(20_000, 'x') })));
    }
    await s.close();

    const afters: number[] = [];
    const infos: string[] = [];
    const backend = {
      call: async () => { throw new Error('unused'); },
      poll: async () => { throw new Error('unused'); },
      websocket: async (path: string, q: Record<string, string | number> = {}) => {
        afters.push(Number(q.after));
        const url = `${sb.url.replace(/^http/, 'ws')}${path}?after=${q.after}`;
        return new WebSocket(url, { headers: { authorization: `Bearer ${sb.customerToken}` } });
      },
    };
    // The handler holds every event until the sandbox has given up on this reader.
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const seqs: number[] = [];
    let done!: () => void;
    const all = new Promise<void>((r) => { done = r; });
    const stream = new EventStream({
      taskId, after: 0, backend: backend as never, log: { ...createLogger(), info: (m: string) => infos.push(m) },
      cfg: { ...sessionConfig({}), backoffBaseMs: 10, backoffMaxMs: 20 },
      onEvent: async (e) => { await gate; seqs.push(e.seq); if (e.seq === N) done(); },
      onState: () => {},
    });
    stream.start();
    for (let i = 0; i < 1200 && !sb.stderr.join('').includes(`task ${taskId}: a socket read nothing`); i++) await new Promise((r) => setTimeout(r, 25));
    release();
    await all;
    stream.stop();
    assert.equal(seqs, Array.from({ length: N }, (_, i) => i + 1));
    assert.is(afters.length, 2, `connections after: ${afters.join(', ')}`);
    assert.is(afters[0], 0);
    assert.ok(afters[1] > 0 && afters[1] < N, `resumed after ${afters[1]}`);
    assert.ok(infos.some((m) => m.includes(`fell behind the server; resuming after seq ${afters[1]}`)), infos.join('\n'));
  } finally {
    await sb.stop();
  }
});

test.run();
