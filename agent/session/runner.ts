// Runs one approved command: exactly the approved string through the platform shell, in its own process
// group, output redacted as it streams and handed to `sink` with backpressure (the child's pipes pause
// until the sink is done), the whole tree killed on timeout or kill().
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { killTree } from '../child.js';
import { StreamRedactor } from '../security/redact.js';
import type { StreamName } from './capped-output.js';

export interface RunOptions {
  command: string;
  cwd: string;
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
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

export class RunningCommand {
  readonly done: Promise<RunResult>;
  private child: ChildProcess;
  private killedFor: RunResult['killed'] = null;
  private started = Date.now();
  private timer: NodeJS.Timeout;
  private graceTimer?: NodeJS.Timeout;
  private redactors = { stdout: new StreamRedactor(), stderr: new StreamRedactor() };
  private outputChars = 0;

  constructor(opts: RunOptions, private sink: OutputSink) {
    this.child = spawn(opts.command, [], {
      shell: true, cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32', windowsHide: true,
    });
    this.timer = setTimeout(() => this.kill('timeout'), opts.timeoutMs);
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      this.child.once('error', () => resolve({ code: null, signal: null }));
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const pumped = Promise.all([this.pump('stdout', this.child.stdout!), this.pump('stderr', this.child.stderr!)]);
    this.done = Promise.all([exited, pumped]).then(([ex]) => {
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

  get pid(): number | undefined { return this.child.pid; }
  get startedAt(): number { return this.started; }

  /** Kills the whole process tree: TERM to the group, KILL after a grace period. False when already ended. */
  kill(why: NonNullable<RunResult['killed']>): boolean {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      if (!this.killedFor) return false;
    }
    this.killedFor ??= why;
    // The agent is about to exit: no time for a grace period, and nothing would be left to send KILL.
    if (why === 'agent_exit') { this.signalTree('SIGKILL'); return true; }
    this.signalTree('SIGTERM');
    clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => {
      this.signalTree('SIGKILL');
      // A grandchild that left the group may still hold the pipes: stop reading them.
      setTimeout(() => { this.child.stdout?.destroy(); this.child.stderr?.destroy(); }, 500).unref();
    }, why === 'session_end' ? 200 : GRACE_MS);
    return true;
  }

  private signalTree(signal: NodeJS.Signals): void {
    if (this.child.pid) killTree(this.child.pid, signal);
  }

  private pump(name: StreamName, stream: Readable): Promise<void> {
    const red = this.redactors[name];
    // The sink is called synchronously per chunk; the pipe pauses only while its returned promise is pending
    // (a pause and resume per 64 KiB read cost more than the redaction of the read's lines).
    const forward = (text: string, before: number): Promise<void> | void => {
      if (!text) return;
      this.outputChars += text.length;
      try { return this.sink(name, text, red.count - before); } catch { return undefined; }
    };
    const resume = () => stream.resume();
    return new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        const before = red.count;
        const wait = forward(red.push(chunk), before);
        if (wait) { stream.pause(); wait.then(resume, resume); }
      });
      const finish = () => {
        const before = red.count;
        Promise.resolve().then(() => forward(red.flush(), before)).catch(() => {}).finally(resolve);
      };
      let finished = false;
      const once = () => { if (!finished) { finished = true; finish(); } };
      stream.on('end', once);
      stream.on('close', once);
      stream.on('error', once);
    });
  }
}
