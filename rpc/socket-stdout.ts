// A child process (the agent, for a front end) whose stdout is a Unix socket this process reads into one reused
// buffer (net.Socket `onread`), rather than a pipe read by a stream into a fresh 64 KiB allocation per read.
// Those allocations are freed only by the GC, in bursts; the C library hands the memory back to the system and
// takes it again, and each page of it faults in anew: reading 100 MB of command output cost ~0.2 CPU-s that way
// on a 2-core VM (page faults at ~12 us each), ~0.02 s into one buffer. The child sees the same kind of stdout as
// with `stdio: 'pipe'` (libuv makes that a Unix socket pair too).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { readingPair } from './socket-pair.js';

/** Bytes read at a time. */
const READ_BYTES = 256 * 1024;

/** Input whose chunks are lent: each is valid until the input reads again into the same buffer, which it does
 *  not while paused. A reader that cannot use all of a chunk before returning pauses the input, and resumes it
 *  once it holds none of it. */
export interface LentInput {
  /** Starts reading; `fn` is given each chunk. */
  lend(fn: (chunk: Buffer) => void): void;
  pause(): void;
  resume(): void;
  on(event: 'end' | 'close', cb: () => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  off(event: 'end' | 'close', cb: () => void): unknown;
  off(event: 'error', cb: (err: Error) => void): unknown;
}

export function isLent(input: unknown): input is LentInput {
  return typeof (input as LentInput | null)?.lend === 'function';
}

class SocketInput implements LentInput {
  private fn: (chunk: Buffer) => void = () => { throw new Error('read before lend()'); };
  constructor(readonly socket: net.Socket) {} // paused: nothing is read before a reader takes the chunks
  take(chunk: Buffer) { this.fn(chunk); }
  lend(fn: (chunk: Buffer) => void) { this.fn = fn; this.socket.resume(); }
  pause() { this.socket.pause(); }
  resume() { this.socket.resume(); }
  on(event: string, cb: (...a: any[]) => void) { this.socket.on(event, cb); return this; }
  off(event: string, cb: (...a: any[]) => void) { this.socket.off(event, cb); return this; }
}

export interface Spawned<E = Readable> { proc: ChildProcess; stdin: Writable; stdout: Readable | LentInput; stderr: E }

type StderrMode = 'pipe' | 'inherit' | 'ignore';

/** Spawns `command` with stdin as a pipe and stdout as a socket read into one reused buffer; where that cannot be
 *  set up (Windows, no writable temp dir), stdout is an ordinary pipe. stderr is a pipe unless told otherwise
 *  (a pipe must be read: a child blocks once it is full). */
export async function spawnReadingStdout(command: string, args: string[], options?: Omit<SpawnOptions, 'stdio'> & { stderr?: 'pipe' }): Promise<Spawned>;
export async function spawnReadingStdout(command: string, args: string[], options: Omit<SpawnOptions, 'stdio'> & { stderr: 'inherit' | 'ignore' }): Promise<Spawned<null>>;
export async function spawnReadingStdout(command: string, args: string[], options: Omit<SpawnOptions, 'stdio'> & { stderr?: StderrMode } = {}): Promise<Spawned<Readable | null>> {
  const { stderr = 'pipe', ...spawnOptions } = options;
  if (process.platform !== 'win32') {
    const pair = await socketPair().catch(() => undefined);
    if (pair) {
      let proc: ChildProcess;
      try { proc = spawn(command, args, { ...spawnOptions, stdio: ['pipe', pair.theirs, stderr] }); } finally { pair.theirs.destroy(); } // the child has its own copy
      return { proc, stdin: proc.stdin!, stdout: pair.ours, stderr: proc.stderr };
    }
  }
  const proc = spawn(command, args, { ...spawnOptions, stdio: ['pipe', 'pipe', stderr] });
  return { proc, stdin: proc.stdin!, stdout: proc.stdout!, stderr: proc.stderr };
}

/** Two connected ends of a Unix socket (rpc/socket-pair.ts): `theirs` to hand to a child, `ours` to read. */
async function socketPair(): Promise<{ ours: SocketInput; theirs: net.Socket }> {
  let input: SocketInput | undefined;
  const pair = await readingPair(READ_BYTES, (chunk) => input!.take(chunk));
  input = new SocketInput(pair.ours);
  return { ours: input, theirs: pair.theirs };
}
