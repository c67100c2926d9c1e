// Runs one approved command: exactly the approved string through the platform shell, in its own process
// group, output redacted as it streams and handed to `sink` with backpressure (the child's output pauses
// until the sink is done), the whole tree killed on timeout or kill(). Its stdout and stderr are Unix sockets
// read into reused buffers (rpc/socket-pair.ts), or pipes where those cannot be made.
import { spawn, type ChildProcess } from 'node:child_process';
import { readingPair, type ReadingPair } from '../../rpc/socket-pair.js';
import { killTree } from '../child.js';
import { StreamRedactor } from '../security/redact.js';
import type { StreamName } from './capped-output.js';
import { spawner as agentSpawner, HelperChild, type Spawner } from './spawner.js';

export interface RunOptions {
  command: string;
  cwd: string;
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** What starts the command when it can (default: the agent's helper, spawner.ts); the agent itself otherwise. */
  spawner?: Spawner;
}

/** Receives redacted output; the next chunk waits until a returned promise settles (none returned: no wait). */
export type OutputSink = (stream: StreamName, text: string, redactions: number) => Promise<void> | void;

export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  timedOut: boolean;
  killed: 'cancel' | 'session_end' | 'timeout' | 'agent_exit' | null;
  redactions: number;
  redactionKinds: string[];
  /** Characters of redacted output handed to the sink. */
  outputChars: number;
}

const GRACE_MS = 2000;
/** Output is read this many bytes at a time: one read's text stays a regular V8 string (large ones, past
 *  128 KiB, go to a space that costs far more to allocate and collect). */
const READ_BYTES = 64 * 1024;

/** A read shorter than this is held back (up to HOLD_MS) to go out with the next. */
const SHORT_READ = 32 * 1024;
const HOLD_MS = 1;

type Exit = { code: number | null; signal: string | null };

/** Where one output stream's chunks come from: a pipe read as a stream, or a socket read into a reused buffer. */
interface Source {
  pause(): void;
  resume(): void;
  destroy(): void;
  on(event: 'end' | 'close' | 'error', cb: () => void): unknown;
}

/**
 * The sockets a command's stdout and stderr are read from, made as soon as it is allowed: they are ready by the time
 * the decision is recorded (the audit line, the front end told) instead of after it. Each read is handed to the
 * stream's entry in `feeds`, which the runner fills in.
 */
export class OutputSockets {
  readonly feeds: Partial<Record<StreamName, (chunk: Buffer) => void>> = {};
  readonly made: Promise<Array<PromiseSettledResult<ReadingPair>>>;
  constructor() {
    this.made = Promise.allSettled((['stdout', 'stderr'] as const).map((name) => readingPair(READ_BYTES, (chunk) => this.feeds[name]!(chunk))));
  }

  /** Closes them unused: the command is not started after all. */
  discard(): void {
    void this.made.then((made) => { for (const m of made) if (m.status === 'fulfilled') { m.value.ours.destroy(); m.value.theirs.destroy(); } });
  }
}

export class RunningCommand {
  readonly done: Promise<RunResult>;
  /** Settles once the child is spawned (`pid` is set from then on); rejects when it could not be. */
  readonly spawned: Promise<void>;
  private child?: ChildProcess | HelperChild;
  /** Asked of the helper (spawner.ts), before its pid is known. */
  private helped?: HelperChild;
  private killedFor: RunResult['killed'] = null;
  private started = Date.now();
  private timer: NodeJS.Timeout;
  private graceTimer?: NodeJS.Timeout;
  private redactors = { stdout: new StreamRedactor(), stderr: new StreamRedactor() };
  private sources: Partial<Record<StreamName, Source>> = {};
  private via?: 'sockets' | 'pipes';
  private outputChars = 0;

  constructor(opts: RunOptions, private sink: OutputSink, sockets = new OutputSockets()) {
    this.timer = setTimeout(() => this.kill('timeout'), opts.timeoutMs);
    const started = this.start(opts, sockets);
    this.spawned = started.then(() => undefined);
    this.done = started.then(async ({ ended }) => {
      const ex = await ended;
      clearTimeout(this.timer);
      clearTimeout(this.graceTimer);
      const kinds = new Set([...this.redactors.stdout.kinds, ...this.redactors.stderr.kinds]);
      return {
        exitCode: ex.code, signal: ex.signal, durationMs: Date.now() - this.started,
        timedOut: this.killedFor === 'timeout', killed: this.killedFor,
        redactions: this.redactors.stdout.count + this.redactors.stderr.count,
        redactionKinds: [...kinds].sort(), outputChars: this.outputChars,
      };
    });
  }

  get pid(): number | undefined { return this.child?.pid; }
  /** How the output is read, once spawned: sockets into reused buffers, or pipes where those could not be made. */
  get outputVia(): 'sockets' | 'pipes' | undefined { return this.via; }
  get startedAt(): number { return this.started; }

  /** Kills the whole process tree: TERM to the group, KILL after a grace period. False when already ended.
   *  Killed before it was spawned (its sockets are made first), it is killed as soon as it is. */
  kill(why: NonNullable<RunResult['killed']>): boolean {
    if (!this.child) {
      this.killedFor ??= why;
      // Asked of the helper and not reported started yet: it signals the command as soon as it has started it,
      // so that one the agent stopped (it may be exiting) never runs on unwatched.
      this.helped?.killBeforeSpawn(why === 'agent_exit' ? 'SIGKILL' : 'SIGTERM');
      return true;
    }
    if (this.child instanceof HelperChild ? this.child.ended : this.child.exitCode !== null || this.child.signalCode !== null) {
      if (!this.killedFor) return false;
    }
    this.killedFor ??= why;
    // The agent is about to exit: no time for a grace period, and nothing would be left to send KILL.
    if (why === 'agent_exit') { this.signalTree('SIGKILL'); return true; }
    this.signalTree('SIGTERM');
    clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => {
      this.signalTree('SIGKILL');
      // A helper that no longer reports (stopped by a command) would leave it unfinished for ever.
      if (this.child instanceof HelperChild) { const c = this.child; setTimeout(() => c.abandon(), 2000).unref(); }
      // A grandchild that left the group may still hold the pipes: stop reading them.
      setTimeout(() => { this.sources.stdout?.destroy(); this.sources.stderr?.destroy(); }, 500).unref();
    }, why === 'session_end' ? 200 : GRACE_MS);
    return true;
  }

  private signalTree(signal: NodeJS.Signals): void {
    if (this.child?.pid) killTree(this.child.pid, signal);
  }

  /** Spawns the child, its stdout and stderr on sockets read into reused buffers where that can be set up
   *  (pipes otherwise); `ended` resolves with its exit once its output has all been handed to the sink. */
  private async start(opts: RunOptions, sockets: OutputSockets): Promise<{ ended: Promise<Exit> }> {
    const { feeds } = sockets;
    const made = await sockets.made;
    const pairs = made.every((m) => m.status === 'fulfilled') ? made.map((m) => (m as PromiseFulfilledResult<ReadingPair>).value) : undefined;
    if (!pairs) for (const m of made) if (m.status === 'fulfilled') { m.value.ours.destroy(); m.value.theirs.destroy(); }
    let child: ChildProcess | HelperChild;
    let exited: Promise<Exit>;
    const spawner = opts.spawner ?? agentSpawner;
    if (pairs && spawner.usable) { // started by the helper (spawner.ts): no fork of the agent
      const helped = spawner.spawn({ command: opts.command, cwd: opts.cwd, env: opts.env }, pairs[0].theirs, pairs[1].theirs);
      this.helped = helped;
      if (this.killedFor) helped.killBeforeSpawn(this.killedFor === 'agent_exit' ? 'SIGKILL' : 'SIGTERM'); // stopped meanwhile
      exited = new Promise<Exit>((resolve) => {
        helped.once('error', () => resolve({ code: null, signal: null }));
        helped.once('exit', (code: number | null, signal: string | null) => resolve({ code, signal }));
      });
      // Not started (the folder is now a file, the environment too large, the helper gone): as a spawn that
      // throws below, `spawned` rejects with the reason.
      const failed = await new Promise<Error | null>((resolve) => { helped.once('spawn', () => resolve(null)); helped.once('error', resolve); });
      if (failed) {
        for (const p of pairs) { p.ours.destroy(); p.theirs.destroy(); }
        clearTimeout(this.timer);
        throw failed;
      }
      child = this.child = helped;
    } else try {
      child = this.child = spawn(opts.command, [], {
        shell: true, cwd: opts.cwd, env: opts.env, stdio: ['ignore', pairs?.[0].theirs ?? 'pipe', pairs?.[1].theirs ?? 'pipe'],
        detached: process.platform !== 'win32', windowsHide: true,
      });
      exited = new Promise<Exit>((resolve) => {
        child.once('error', () => resolve({ code: null, signal: null }));
        child.once('exit', (code, signal) => resolve({ code, signal }));
      });
      if (!pairs && (!child.stdout || !child.stderr)) throw new Error('the command could not be started: no pipes for its output');
    } catch (err) { // thrown by spawn (a folder that is now a file, an environment too large, ...): `spawned` rejects
      for (const p of pairs ?? []) { p.ours.destroy(); p.theirs.destroy(); }
      clearTimeout(this.timer);
      throw err;
    }
    for (const p of pairs ?? []) p.theirs.destroy(); // the child has its own copies
    this.via = pairs ? 'sockets' : 'pipes';
    // Cancelled (or the session ended) while its sockets were made: it was approved and is started, then
    // stopped at once, as a command cancelled just after it started, and reported so (killed by its signal).
    if (this.killedFor) { const why = this.killedFor; this.killedFor = null; this.kill(why); }
    const pump = (name: StreamName, i: 0 | 1) => {
      if (pairs) return this.pump(name, pairs[i].ours, (take) => { feeds[name] = take; pairs[i].ours.resume(); });
      const stream = (i === 0 ? (child as ChildProcess).stdout : (child as ChildProcess).stderr)!;
      return this.pump(name, stream, (take) => stream.on('data', take));
    };
    const pumped = Promise.all([pump('stdout', 0), pump('stderr', 1)]);
    return { ended: Promise.all([exited, pumped]).then(([ex]) => ex) }; // wrapped: a promise returned bare would be waited for
  }

  /** Redacts one stream's chunks as they come (`feed` connects the source to `take`) and hands them to the sink;
   *  resolves once the stream has ended and all of it was handed on. A chunk is used up before `take` returns. */
  private pump(name: StreamName, source: Source, feed: (take: (chunk: Buffer) => void) => void): Promise<void> {
    this.sources[name] = source;
    const red = this.redactors[name];
    // The sink is called synchronously per chunk; the source pauses only while its returned promise is pending
    // (a pause and resume per 64 KiB read cost more than the redaction of the read's lines).
    const forward = (text: string, before: number): Promise<void> | void => {
      if (!text) return;
      this.outputChars += text.length;
      try { return this.sink(name, text, red.count - before); } catch { return undefined; }
    };
    const resume = () => source.resume();
    const use = (chunk: Buffer) => {
      const before = red.count;
      const wait = forward(red.push(chunk), before);
      if (wait) { source.pause(); wait.then(resume, resume); }
    };
    // A short read means the child writes slower than we read: its chunks wait up to HOLD_MS to go out with
    // what follows, up to READ_BYTES, instead of each as a notification of its own (the front end's cost goes
    // with their number more than with their size).
    let held: Buffer | undefined;
    let heldBytes = 0;
    let holding: NodeJS.Timeout | undefined;
    const release = () => {
      clearTimeout(holding);
      holding = undefined;
      if (!heldBytes) return;
      const n = heldBytes;
      heldBytes = 0;
      use(held!.subarray(0, n));
    };
    return new Promise<void>((resolve) => {
      feed((chunk: Buffer) => {
        if (heldBytes + chunk.length > READ_BYTES) release();
        if (!heldBytes && chunk.length >= SHORT_READ) { use(chunk); return; }
        chunk.copy(held ??= Buffer.allocUnsafeSlow(READ_BYTES), heldBytes);
        heldBytes += chunk.length;
        if (heldBytes >= SHORT_READ) release();
        else holding ??= setTimeout(release, HOLD_MS);
      });
      const finish = () => {
        release();
        const before = red.count;
        Promise.resolve().then(() => forward(red.flush(), before)).catch(() => {}).finally(resolve);
      };
      let finished = false;
      const once = () => { if (!finished) { finished = true; finish(); } };
      source.on('end', once);
      source.on('close', once);
      source.on('error', once);
    });
  }
}
