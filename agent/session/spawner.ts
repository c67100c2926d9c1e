// Approved commands are started by a small helper process, not by the agent itself. Node starts a child with
// fork(): the kernel copies the agent's page tables (10-20 ms for a ~100 MB agent) and marks every page of it
// copy-on-write, so each page the agent writes afterwards faults once, even after the child has exec'd. The
// agent writes its whole young generation over and over while it relays output: measured on a 2-CPU VM, a
// process that re-wrote 64 MiB after starting `true` took 16,400 faults and ~240 ms doing it. The helper is a
// bare `node -e` program, started once per session while the agent is still small; it forks the commands, with
// their stdout and stderr on the sockets the agent hands it (SCM_RIGHTS, node's IPC), and reports each one's
// pid and exit. The agent still signals a command's process group itself (between the helper reaping a command and
// the agent hearing of it, one IPC message, its group id could in principle be reused: the same window a shell has).
// Where the helper cannot be used (Windows, not ready yet, gone), the agent starts commands itself as before.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { killTree } from '../child.js';

/** The helper's whole program. It never dies with a signal from the terminal (its own process group), starts
 *  what it is told exactly as `spawn(command, { shell: true })` would, and once the agent is gone it waits for
 *  the commands it started, then exits. It keeps no state beyond the commands running and their sockets. */
const HELPER = String.raw`
const { spawn } = require('node:child_process');
const live = new Map();
const io = new Map();
const killed = new Map();
let orphaned = false;
const tell = (m) => { if (process.connected) process.send(m, undefined, undefined, () => {}); };
const done = () => { if (orphaned && live.size === 0) process.exit(0); };
const signal = (pid, sig) => { try { process.kill(-pid, sig); } catch {} };
process.on('message', (m, handle) => {
  if (m.t === 'io') { const e = io.get(m.id) || {}; e[m.stream] = handle; io.set(m.id, e); return; }
  if (m.t === 'kill') { const c = live.get(m.id); if (c) signal(c.pid, m.signal); else killed.set(m.id, m.signal); return; }
  if (m.t !== 'spawn') return;
  const e = io.get(m.id) || {};
  io.delete(m.id);
  const close = () => { if (e.stdout) e.stdout.destroy(); if (e.stderr) e.stderr.destroy(); };
  // Nobody left to watch it: not started.
  if (!process.connected) { close(); return; }
  let child;
  try {
    child = spawn(m.command, [], { shell: true, cwd: m.cwd, env: m.env, stdio: ['ignore', e.stdout || 'ignore', e.stderr || 'ignore'], detached: true });
  } catch (err) { close(); tell({ t: 'error', id: m.id, message: String(err && err.message) }); return; }
  close();
  child.once('error', (err) => { live.delete(m.id); tell({ t: 'error', id: m.id, message: String(err && err.message) }); done(); });
  if (child.pid === undefined) return;
  live.set(m.id, child);
  tell({ t: 'spawned', id: m.id, pid: child.pid });
  child.once('exit', (code, sig) => { live.delete(m.id); tell({ t: 'exit', id: m.id, code, signal: sig }); done(); });
  if (killed.has(m.id)) { signal(child.pid, killed.get(m.id)); killed.delete(m.id); }
});
process.on('disconnect', () => { orphaned = true; done(); });
tell({ t: 'ready' });
`;

type HelperMessage =
  | { t: 'ready' }
  | { t: 'spawned'; id: number; pid: number }
  | { t: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { t: 'error'; id: number; message: string };

/** A command the helper started, seen as much like a ChildProcess as the runner needs: `pid` once spawned,
 *  `ended` once it has, 'spawn', 'exit' and 'error' events (an 'error' before 'spawn': it was not started). */
export class HelperChild extends EventEmitter {
  pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  ended = false;
  constructor(private readonly signalByHelper: (signal: NodeJS.Signals) => void) { super(); }

  /** Signals the command before its pid is known: the helper sends it as soon as it has started it. */
  killBeforeSpawn(signal: NodeJS.Signals): void { this.signalByHelper(signal); }

  /** Not started: `error` is why. */
  fail(error: Error): void {
    this.ended = true;
    this.emit('error', error);
  }

  /** Reported ended without an exit status (its end can no longer be learnt); no-op once ended. */
  abandon(): void { this.end(null, null); }

  end(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.ended) return;
    this.ended = true;
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
  }
}

const SPAWN_TIMEOUT_MS = 10_000;

export interface SpawnRequest { command: string; cwd: string; env: NodeJS.ProcessEnv }

export class Spawner {
  private proc?: ChildProcess;
  private isReady = false;
  private next = 0;
  private children = new Map<number, HelperChild>();
  /** Set once the helper has gone: it is not started again (that would be another fork of the agent). */
  private failed = false;

  /** Starts the helper if it is not running (idempotent); it is used once it says it is ready. */
  warm(): void {
    if (this.proc || this.failed || process.platform === 'win32' || process.env.CODEVF_NO_SPAWNER === '1') return;
    let proc: ChildProcess;
    try {
      // Its own process group (a Ctrl-C for the front end is not for it), no stdout (the agent's is the wire),
      // and an environment without the agent's: each command gets its own, sent with it.
      proc = spawn(process.execPath, ['--max-old-space-size=32', '--max-semi-space-size=1', '-e', HELPER], {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'], detached: true, env: { PATH: process.env.PATH ?? '' }, windowsHide: true,
      });
    } catch { return; }
    this.proc = proc;
    proc.unref();
    proc.channel?.unref(); // the agent exits when it is done, whatever the helper is doing
    proc.on('message', (m: HelperMessage) => this.receive(m));
    proc.on('error', () => this.gone());
    proc.on('exit', () => this.gone());
    proc.on('disconnect', () => this.gone());
  }

  /** Whether commands go through the helper now. */
  get usable(): boolean { return this.isReady && !!this.proc?.connected; }

  /** Starts `req` in the helper with these sockets as its stdout and stderr (they are closed here once sent). */
  spawn(req: SpawnRequest, stdout: net.Socket, stderr: net.Socket): HelperChild {
    const id = ++this.next;
    const proc = this.proc!;
    const child = new HelperChild((signal) => { if (proc.connected) proc.send({ t: 'kill', id, signal }); });
    this.children.set(id, child);
    // An accepted socket (rpc/socket-pair.ts) carries its server: node's IPC would then track it per server, a
    // list and an 'exit' listener per command in both processes. Its server is closed; the socket is handed on.
    for (const s of [stdout, stderr]) (s as unknown as { server: unknown }).server = null;
    proc.send({ t: 'io', id, stream: 'stdout' }, stdout);
    proc.send({ t: 'io', id, stream: 'stderr' }, stderr);
    proc.send({ t: 'spawn', id, command: req.command, cwd: req.cwd, env: req.env });
    // A helper that does not answer (stopped, wedged) is killed: what it started is reported, later commands
    // are started by the agent.
    setTimeout(() => { if (child.pid === undefined && this.children.has(id)) proc.kill('SIGKILL'); }, SPAWN_TIMEOUT_MS).unref();
    return child;
  }

  private receive(m: HelperMessage): void {
    if (m.t === 'ready') { this.isReady = true; return; }
    const child = this.children.get(m.id);
    if (!child) return;
    switch (m.t) {
      case 'spawned': child.pid = m.pid; child.emit('spawn'); return;
      case 'exit': this.children.delete(m.id); child.end(m.code, m.signal); return;
      case 'error': this.children.delete(m.id); child.fail(new Error(m.message)); return;
      default: m satisfies never;
    }
  }

  /** The helper is gone: what it started can no longer be waited for. Each is killed (its group, by pid) and
   *  reported ended with no exit status; later commands are started by the agent itself. */
  private gone(): void {
    if (!this.proc) return;
    this.isReady = false;
    for (const [id, child] of this.children) {
      this.children.delete(id);
      if (child.pid) {
        killTree(child.pid);
        child.abandon();
      } else child.fail(new Error('the helper that starts commands exited'));
    }
    this.proc.removeAllListeners('message');
    this.proc = undefined;
    this.failed = true;
  }

  /** The helper's pid while it runs (tests). */
  get pid(): number | undefined { return this.proc?.pid; }

  /** Resolves once the helper is usable, or false when it could not be started or is gone (tests). */
  async ready(): Promise<boolean> {
    this.warm();
    while (this.proc && !this.usable) await new Promise((r) => setTimeout(r, 10));
    return this.usable;
  }
}

/** The agent's helper: started by the first session (session.ts), used by every approved command. */
export const spawner = new Spawner();
