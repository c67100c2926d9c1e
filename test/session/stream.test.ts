// The event stream alone, against a local WebSocket server that misbehaves on purpose (the real backend
// never sends a bad event, so this is the only way to see one skipped).
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket, { WebSocketServer } from 'ws';
import { createLogger } from '../../agent/log.js';
import { fullJitter, sessionConfig } from '../../agent/session/config.js';
import { sessionScopeRefusal } from '../../agent/session/rules.js';
import { EventStream } from '../../agent/session/stream.js';
import { withTimeout } from '../helpers/agent.js';

const ev = (seq: number, text: string) => ({ type: 'engineer_message', seq, taskId: 't1', timestamp: new Date().toISOString(), payload: { text } });

test('invalid events are logged and skipped, duplicates dropped, and reconnects resume from the last seq', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as AddressInfo).port;
  const afters: string[] = [];
  let connections = 0;
  wss.on('connection', (ws, req) => {
    afters.push(new URL(req.url!, 'http://x').searchParams.get('after')!);
    if (connections++ === 0) {
      ws.send(JSON.stringify(ev(1, 'one')));
      ws.send('not json');
      ws.send(JSON.stringify({ ...ev(2, 'two'), payload: { text: 42 } }));
      ws.send(JSON.stringify(ev(1, 'one again')));
      ws.send(JSON.stringify(ev(3, 'three')));
      setTimeout(() => ws.terminate(), 50);
    } else {
      ws.send(JSON.stringify(ev(3, 'three again')));
      ws.send(JSON.stringify(ev(4, 'four')));
    }
  });
  const got: string[] = [];
  const warnings: string[] = [];
  const log = { ...createLogger(), warn: (m: string) => warnings.push(m) };
  const backend = {
    call: async () => { throw new Error('unused'); },
    websocket: async (path: string, q: Record<string, string | number> = {}) => new WebSocket(`ws://127.0.0.1:${port}${path}?after=${q.after}`),
    poll: async () => { throw new Error('unused'); },
  };
  const stream = new EventStream({
    taskId: 't1', after: 0, backend: backend as never, log,
    cfg: { ...sessionConfig({}), backoffBaseMs: 10, backoffMaxMs: 20 },
    onEvent: (e) => { got.push((e.payload as { text: string }).text); },
    onState: () => {},
  });
  stream.start();
  try {
    await withTimeout((async () => { while (!got.includes('four')) await new Promise((r) => setTimeout(r, 10)); })(), 5000, 'event four');
    assert.equal(got, ['one', 'three', 'four']);
    assert.equal(afters, ['0', '3']);
    assert.ok(warnings.some((m) => m.includes('not JSON')));
    assert.ok(warnings.some((m) => m.includes('invalid event (seq 2)')));
  } finally {
    stream.stop();
    await new Promise((r) => wss.close(r));
  }
});

test('backoff uses full jitter under an exponential cap', () => {
  assert.is(fullJitter(0, 100, 1000, () => 0.999), 99);
  assert.is(fullJitter(3, 100, 1000, () => 0.999), 799);
  assert.is(fullJitter(10, 100, 1000, () => 0.999), 999);
  assert.is(fullJitter(5, 100, 1000, () => 0), 0);
});

test('session scope is refused for every form of chaining and redirection', () => {
  for (const c of ['a;b', 'a && b', 'a || b', 'a | b', 'a `b`', 'a $(b)', 'a > f', 'a >> f', 'a < f', 'a\nb', 'a\rb', 'a & b', 'a 2>&1', '(a)', 'a ${X}']) {
    assert.ok(sessionScopeRefusal(c), c);
  }
  for (const c of ['npm test', 'git status', 'ls -la src', 'node --version']) assert.is(sessionScopeRefusal(c), null, c);
});

test.run();
