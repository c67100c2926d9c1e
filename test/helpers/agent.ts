// Spawns the real codevf-agent (dist/, as users run it) over pipes, and speaks to it raw or typed.
import './dist.js'; // rebuilds dist/ first when a source is newer
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AnyNotificationDef, AnyRequestDef, ParamsIn, ParamsOf, ResultOf } from '../../protocol/define.js';
import { isDeclaredReason, type RpcError } from '../../protocol/errors.js';
import { Initialize, Progress } from '../../protocol/methods/lifecycle.js';
import { createDecoder, encode, type Framing } from '../../rpc/framing.js';
import { Peer } from '../../rpc/peer.js';
import { createTransport } from '../../rpc/transport.js';
import { connectAgent } from '../../frontends/client/agent-connection.js';
import { spawnReadingStdout, type LentInput, type Spawned } from '../../rpc/socket-stdout.js';
import type { Readable, Writable } from 'node:stream';

export const AGENT_BIN = fileURLToPath(new URL('../../dist/codevf-agent.js', import.meta.url));
export const TTY_BIN = fileURLToPath(new URL('../../dist/codevf.js', import.meta.url));
export const CLIENT_INFO = { clientInfo: { name: 'test', version: '1' } };

export interface Exited { code: number | null; signal: NodeJS.Signals | null }

/** Flags for node itself before the agent's script, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`, from CVF_AGENT_NODE_ARGS
 *  (space-separated): node refuses `--cpu-prof` in NODE_OPTIONS, and a flag that prints would land on the wire. */
const AGENT_NODE_ARGS = process.env.CVF_AGENT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
/** Another build of the agent to spawn instead of dist/'s (CVF_AGENT_BIN): benches compare two builds in one run. */
const SPAWNED_BIN = process.env.CVF_AGENT_BIN || AGENT_BIN;

export function spawnAgentProcess(args: string[] = [], env: NodeJS.ProcessEnv = {}, cwd?: string) {
  const proc = spawn(process.execPath, [...AGENT_NODE_ARGS, SPAWNED_BIN, ...args], { env: { ...process.env, ...env }, cwd, stdio: 'pipe' }) as ChildProcessWithoutNullStreams;
  return watched(proc, { stdin: proc.stdin, stdout: proc.stdout, stderr: proc.stderr });
}

/** The agent with its stdout read into one reused buffer (rpc/socket-stdout.ts); its `proc.stdout` is null. */
async function spawnLendingAgent(args: string[], env: NodeJS.ProcessEnv, cwd?: string) {
  const s = await spawnReadingStdout(process.execPath, [...AGENT_NODE_ARGS, SPAWNED_BIN, ...args], { env: { ...process.env, ...env }, cwd });
  return watched(s.proc as ChildProcessWithoutNullStreams, s);
}

function watched(proc: ChildProcessWithoutNullStreams, pipes: Omit<Spawned, 'proc'>) {
  let stderr = '';
  pipes.stderr.on('data', (c) => { stderr += c; });
  const exited = new Promise<Exited>((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  return { proc, pipes, exited, stderr: () => stderr };
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => { t = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms); })])
    .finally(() => clearTimeout(t));
}

/** Every error reason the agent sends must be declared in protocol/errors.ts: a test that sees another fails. */
function undeclared(reason: unknown) {
  if (reason !== undefined && !isDeclaredReason(reason)) {
    throw new Error(`the agent sent error.data.reason ${JSON.stringify(reason)}, which protocol/errors.ts does not declare`);
  }
}

/** Speaks bytes to the agent and reads its answers with an independent frame parser. */
export function rawAgent(framing: Framing, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const a = spawnAgentProcess(args, env);
  const decoder = createDecoder(framing);
  const inbox: unknown[] = [];
  const waiters: Array<(m: unknown) => void> = [];
  let rawOut = Buffer.alloc(0);
  a.proc.stdout.on('data', (c: Buffer) => {
    rawOut = Buffer.concat([rawOut, c]);
    for (const f of decoder.push(c)) {
      const msg = 'text' in f ? JSON.parse(f.text) : { frameError: f.error };
      undeclared(msg?.error?.data?.reason);
      const w = waiters.shift();
      if (w) w(msg); else inbox.push(msg);
    }
  });
  return {
    ...a,
    rawOut: () => rawOut,
    write(data: string | Buffer) { a.proc.stdin.write(data); },
    send(msg: unknown) { a.proc.stdin.write(encode(framing, typeof msg === 'string' ? msg : JSON.stringify(msg))); },
    next(ms = 5000): Promise<any> {
      if (inbox.length) return Promise.resolve(inbox.shift());
      return withTimeout(new Promise((r) => waiters.push(r)), ms, 'a message from the agent');
    },
    async request(id: number, method: string, params?: unknown): Promise<any> {
      this.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
      return this.next();
    },
    kill() { a.proc.kill('SIGKILL'); },
  };
}

/** Which client speaks to the agent: the project's peer, or the vscode-jsonrpc client (frontends/client) with
 *  the project's reader plugged in or with vscode-jsonrpc's stock reader. */
export type ClientKind = 'peer' | 'vscode-jsonrpc' | 'vscode-jsonrpc-stock-reader';

type On = <D extends AnyNotificationDef>(def: D, fn: (params: ParamsOf<D>) => void) => void;

/** The few calls the helper needs from a client: typed requests and notifications, every notification seen
 *  (`onNote`) but those of a kind given to `on`, which go to its typed listener as in a front end. A
 *  notification that does not match its declaration goes to `onInvalid`. */
function link(kind: ClientKind, pipes: { stdin: Writable; stdout: Readable | LentInput }, framing: Framing, onNote: (method: string, params: any) => void,
  onInvalid: (err: Error) => void) {
  const own = new Set<string>();
  const note = (method: string, params: unknown) => { if (!own.has(method)) onNote(method, params); };
  if (kind === 'peer') {
    const peer = new Peer(createTransport(pipes.stdout, pipes.stdin, framing), {
      onNotification: note, onInternalError: (_method, err) => onInvalid(err as Error) });
    const on: On = (def, fn) => { own.add(def.method); peer.onNotification(def, fn); };
    return { peer, on, request: peer.request.bind(peer), notify: peer.notify.bind(peer) };
  }
  const conn = connectAgent(pipes.stdout, pipes.stdin, { reader: kind === 'vscode-jsonrpc' ? 'project' : 'stock' });
  conn.connection.onNotification((method: string, params: unknown) => note(method, params));
  // MessageConnection keeps its own handler for $/progress, so the catch-all above never sees it.
  conn.onNotification(Progress, (p) => note(Progress.method, p));
  const on: On = (def, fn) => { own.add(def.method); conn.onNotification(def, fn, onInvalid); };
  return { peer: undefined, on, request: conn.request.bind(conn), notify: conn.notify.bind(conn) };
}

/** A typed client over the agent's pipes: what front ends do, with the protocol's declarations. */
export async function typedAgent(opts: { args?: string[]; env?: NodeJS.ProcessEnv; cwd?: string; framing?: Framing; initialize?: boolean; client?: ClientKind } = {}) {
  const kind = opts.client ?? 'peer';
  // As frontends/tty does: the agent's output read into one reused buffer, for the clients that take lent input.
  const a = kind === 'vscode-jsonrpc-stock-reader' ? spawnAgentProcess(opts.args ?? [], opts.env ?? {}, opts.cwd)
    : await spawnLendingAgent(opts.args ?? [], opts.env ?? {}, opts.cwd);
  const notes: Array<{ method: string; params: any }> = [];
  const listeners: Array<() => void> = [];
  const invalid: Error[] = [];
  const { peer, on, request, notify } = link(kind, a.pipes, opts.framing ?? 'ndjson', (method, params) => {
    notes.push({ method, params }); for (const l of listeners.splice(0)) l();
  }, (err) => {
    invalid.push(err); for (const l of listeners.splice(0)) l();
  });
  const client = {
    ...a,
    peer,
    notes,
    request<D extends AnyRequestDef>(def: D, params: ParamsIn<D>, signal?: AbortSignal): Promise<ResultOf<D>> {
      const p = withTimeout(request(def, params, { signal }), 30_000, def.method)
        .catch((e) => { undeclared((e as RpcError).data?.reason); throw e; });
      p.catch(() => {}); // a test may await it later; a rejection before then must not crash the run
      return p;
    },
    notify<D extends AnyNotificationDef>(def: D, params: ParamsIn<D>) { return notify(def, params); },
    /** What a front end does: from now on each notification of this kind goes to `fn` as it arrives, checked
     *  against its declaration by the client (a mismatch fails `waitFor`), and is no longer kept in `notes`. */
    on<D extends AnyNotificationDef>(def: D, fn: (params: ParamsOf<D>) => void): void { on(def, fn); },
    /** The first notification of this kind (seen before or after the call) that passes `pred`, checked against its declaration. */
    async waitFor<D extends AnyNotificationDef>(def: D, pred: (p: ParamsOf<D>) => boolean = () => true, ms = 10_000): Promise<ParamsOf<D>> {
      const found = () => {
        if (invalid.length) throw invalid[0];
        for (const n of notes) {
          if (n.method !== def.method) continue;
          const p = def.params.safeParse(n.params);
          if (!p.success) throw new Error(`the agent sent ${def.method} with params that do not match its declaration: ${JSON.stringify(n.params)}`);
          if (pred(p.data as ParamsOf<D>)) return p.data as ParamsOf<D>;
        }
        return undefined;
      };
      return withTimeout((async () => {
        for (;;) {
          const f = found();
          if (f) return f;
          await new Promise<void>((r) => listeners.push(r));
        }
      })(), ms, `notification ${def.method}`);
    },
    async close() {
      a.proc.stdin.end();
      await withTimeout(a.exited, 5000, 'agent exit').catch(() => a.proc.kill('SIGKILL'));
    },
  };
  if (opts.initialize !== false) await withTimeout(request(Initialize, CLIENT_INFO), 10_000, 'initialize');
  return client;
}
