// A message transport over a byte stream pair: detects the framing from the first bytes (unless forced),
// answers in the same framing, and coalesces writes made in one tick into one stream write.
import type { Readable, Writable } from 'node:stream';
import { createDecoder, detectFraming, framePieces, type Decoder, type Frame, type Framing } from './framing.js';
import { OutSlabs } from './out-slabs.js';
import { isLent, type LentInput } from './socket-stdout.js';

export interface Transport {
  readonly framing: Framing | undefined;
  onFrame(cb: (frame: Frame) => void): void;
  onClose(cb: () => void): void;
  /** Queues a message; resolves once it is handed to the stream and the stream is below its high-water mark. */
  send(message: unknown): Promise<void>;
  /** Writes what is queued and stops sending; resolves once the stream has taken it all (or failed). */
  close(): Promise<void>;
}

/** Past this many bytes written but not yet taken by the reader, input is paused: a client that does not read
 *  its answers cannot make the process grow. */
export const OUTPUT_BACKLOG_BYTES = 1024 * 1024;

/** Frames handed to the peer per turn of the event loop (their answers go out between turns). */
export const FRAMES_PER_TURN = 64;
/** Output pieces shorter than this are joined into runs of about this size before they are written. */
const JOIN_BYTES = 16 * 1024;
/** Bytes of input decoded at a time. */
const DECODE_BYTES = 8192;

/** `input` may lend its chunks (socket-stdout.ts): they are decoded at once, and input is paused while any of
 *  one is still undecoded, so a lent chunk is never read over while held. */
export function createTransport(input: Readable | LentInput, output: Writable, framing: Framing | 'auto' = 'auto'): Transport {
  let mode: Framing | undefined = framing === 'auto' ? undefined : framing;
  let decoder: Decoder | undefined = mode ? createDecoder(mode) : undefined;
  let head: Buffer[] = [];
  let frameCb: (f: Frame) => void = () => {};
  const closeCbs: Array<() => void> = [];
  // Frame pieces (framePieces) in order; a large frame already encoded into a slab.
  let queue: Array<string | { bytes: Buffer; release: () => void }> = [];
  const slabs = new OutSlabs();
  let scheduled = false;
  let waiting: Promise<void> | undefined;
  let closed = false;

  // While the stream is full, messages wait here as strings and go out as one write on 'drain': a
  // write request per message would cost far more memory than the message itself.
  let queued = 0;
  // Input already read is decoded a slice at a time, and its frames are handed on at most FRAMES_PER_TURN per
  // turn of the event loop, not at all while the output is backlogged; input is paused while any of it waits.
  // A 64 KiB read holds ~1,400 pings: decoding and handing them all on at once kept ~1,400 frames, requests,
  // promises and answers alive together, which V8 promotes to its old generation, so the heap grew while the
  // output was stuck and again while it was read back.
  let raw: Buffer[] = [];
  let frames: Frame[] = [];
  let next = 0;
  let turn: ReturnType<typeof setImmediate> | undefined;
  let inputPaused = false;
  let ended = false;
  const unread = () => next < frames.length || raw.length > 0;
  const backlogged = () => waiting !== undefined && output.writableLength + queued > OUTPUT_BACKLOG_BYTES;
  const steerInput = () => {
    const hold = unread() || backlogged();
    if (hold === inputPaused || ended) return;
    inputPaused = hold;
    if (hold) input.pause(); else input.resume();
  };
  const deliver = () => {
    turn = undefined;
    for (let n = 0; ;) {
      if (next === frames.length) {
        frames = []; next = 0;
        if (!raw.length) break;
        const c = raw[0];
        if (c.length <= DECODE_BYTES) raw.shift();
        else raw[0] = c.subarray(DECODE_BYTES);
        frames = decoder!.push(c.length <= DECODE_BYTES ? c : c.subarray(0, DECODE_BYTES));
        continue;
      }
      if (backlogged()) return steerInput(); // 'drain' delivers again
      if (n++ === FRAMES_PER_TURN) { turn = setImmediate(deliver); return; }
      const f = frames[next];
      frames[next++] = undefined as unknown as Frame;
      frameCb(f);
    }
    if (ended) return end();
    steerInput();
  };

  const flush = () => {
    scheduled = false;
    if (!queue.length || closed) { for (const d of queue) if (typeof d !== 'string') d.release(); queue = []; queued = 0; return; }
    if (waiting) return steerInput();
    const data = queue;
    queue = []; queued = 0;
    let ok = true;
    // Messages (each a header or newline and its JSON) go as one corked write (writev). Small pieces are joined
    // into runs of up to JOIN_BYTES (a writev of 200,000 tiny pieces costs more than one copy of them); a large
    // piece (command output) goes as it is, since joining it would copy all of it once more, for nothing.
    output.cork();
    let i = 0;
    try {
      let run = '';
      for (; i < data.length; i++) {
        const d = data[i];
        if (typeof d !== 'string') {
          if (run) { output.write(run); run = ''; }
          ok = output.write(d.bytes, d.release);
        } else if (d.length >= JOIN_BYTES) {
          if (run) { output.write(run); run = ''; }
          ok = output.write(d);
        } else if ((run += d).length >= JOIN_BYTES) {
          ok = output.write(run); run = '';
        }
      }
      if (run) ok = output.write(run);
    } catch {
      ok = true;
      for (; i < data.length; i++) { const d = data[i]; if (typeof d !== 'string') d.release(); } // never handed over
    } finally {
      output.uncork();
    }
    if (!ok) {
      waiting = new Promise<void>((resolve) => {
        const done = () => {
          output.off('drain', done); output.off('close', done); output.off('error', done);
          waiting = undefined;
          flush();
          if (!turn && unread()) deliver();
          else steerInput();
          resolve();
        };
        output.on('drain', done); output.on('close', done); output.on('error', done);
      });
    }
    steerInput();
  };

  const feed = (chunk: Buffer) => {
    if (!decoder) {
      head.push(Buffer.from(chunk)); // a copy: fewer than 64 bytes, and the chunk may be lent
      const all = Buffer.concat(head);
      const found = detectFraming(all.subarray(0, 64));
      if (!found && all.length < 64) return;
      mode = found ?? 'ndjson';
      decoder = createDecoder(mode);
      head = [];
      chunk = all;
    }
    raw.push(chunk);
    if (!turn) deliver();
  };

  let closing = false;
  // End of input: the frames already read are handed on first (each request gets its real answer).
  const end = () => {
    if (closing) return;
    ended = true;
    if (unread() && !closed) return;
    closing = true;
    for (const cb of closeCbs) cb();
  };
  if (isLent(input)) input.lend((c) => { feed(c); steerInput(); });
  else input.on('data', (c: Buffer | string) => feed(typeof c === 'string' ? Buffer.from(c) : c));
  input.on('end', end);
  input.on('close', end);
  input.on('error', end);
  output.on('error', () => { closed = true; });

  return {
    get framing() { return mode; },
    onFrame(cb) { frameCb = cb; },
    onClose(cb) { closeCbs.push(cb); },
    send(message) {
      if (closed) return Promise.resolve();
      const [a, b] = framePieces(mode ?? 'ndjson', JSON.stringify(message));
      const encoded = a.length + b.length >= JOIN_BYTES ? slabs.encode(a, b) : undefined;
      if (encoded) { queue.push(encoded); queued += encoded.bytes.length; } else { queue.push(a, b); queued += a.length + b.length; }
      if (!scheduled) { scheduled = true; queueMicrotask(flush); }
      return waiting ?? Promise.resolve();
    },
    close() {
      flush();
      closed = true;
      if (!output.writableLength || output.destroyed) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => resolve();
        output.once('drain', done); output.once('close', done); output.once('error', done);
      });
    },
  };
}
