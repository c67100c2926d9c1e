// The project's Content-Length decoder (rpc/framing.ts) as a vscode-jsonrpc MessageReader: a MessageConnection
// takes any reader. Unlike the stock one, a damaged frame is reported once and the reader carries on, and what
// the connection has not caught up with waits here as bytes, with the input paused past a bound (it handles one
// message per event-loop turn, so a fast agent would otherwise fill its queue without bound).
import { AbstractMessageReader, Message, type DataCallback, type Disposable, type MessageReader } from 'vscode-jsonrpc/node';
import { createDecoder, type Decoder, type Frame, type Framing } from '../../rpc/framing.js';
import { CancelRequest } from '../../protocol/methods/lifecycle.js';
import { isLent, type LentInput } from '../../rpc/socket-stdout.js';

/** Messages given to the connection and not yet handled. The connection keeps the rest parsed, on the JS heap,
 *  where every young-generation collection copied them: with 16 in its queue, 1 MiB of command_output, the
 *  front end spent more on copying and promoting them than on parsing. Undelivered input waits as bytes. */
const MAX_GIVEN = 2;
/** Bytes read but not yet decoded before the input is paused; it resumes once they are down to a quarter. */
const MAX_UNREAD = 256 * 1024;
/** Bytes decoded at a time: the frames of one slice wait as text, so a slice full of small messages stays small. */
const DECODE_BYTES = 8192;

/** Where vscode-jsonrpc's MessageConnection queues a message (connection.js, addMessageToQueue): a request or
 *  response with the id of one still queued replaces it there, so the replaced one is never handled. A
 *  `$/cancelRequest` for a request already running is taken without being handled: it is not counted. */
function queueKey(m: Message, seq: number): string | undefined {
  if (Message.isRequest(m)) return `req-${m.id}`;
  if (Message.isResponse(m)) return m.id === null ? `res-unknown-${seq}` : `res-${m.id}`;
  if (Message.isNotification(m) && m.method === CancelRequest.method) return undefined;
  return `not-${seq}`;
}

export class FrameReader extends AbstractMessageReader {
  /** Given to the connection and not yet handled, by queue key: a message the connection drops without
   *  handling it (replaced, or a cancel it consumed) cannot hold a place for good. */
  private given = new Map<string, Message>();
  private seq = 0;
  private unread: Buffer[] = [];
  private unreadBytes = 0;
  private frames: Frame[] = [];
  private next = 0;
  private paused = false;
  private ended = false;
  private closed = false;
  private decoder: Decoder;
  private deliver: DataCallback = () => {};
  /** `input` may lend its chunks (rpc/socket-stdout.ts): then it is paused whenever any of one is undecoded. */
  constructor(private readonly input: NodeJS.ReadableStream | LentInput, framing: Framing = 'content-length') {
    super();
    this.decoder = createDecoder(framing);
  }

  /** The connection has handled `message`, one it was given. */
  handled(message: Message) {
    for (const [k, m] of this.given) if (m === message) { this.given.delete(k); break; }
    this.pump();
  }

  listen(callback: DataCallback): Disposable {
    this.deliver = callback;
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      this.unread.push(b);
      this.unreadBytes += b.length;
      this.pump();
    };
    const onError = (e: Error) => this.fireError(e);
    const onEnd = () => { this.ended = true; this.pump(); };
    const input = this.input;
    if (isLent(input)) {
      let disposed = false;
      input.lend((chunk) => { if (!disposed) onData(chunk); });
      input.on('error', onError); input.on('end', onEnd); input.on('close', onEnd);
      return { dispose: () => { disposed = true; input.off('error', onError); input.off('end', onEnd); input.off('close', onEnd); } };
    }
    input.on('data', onData).on('error', onError).on('end', onEnd).on('close', onEnd);
    return { dispose: () => { input.off('data', onData).off('error', onError).off('end', onEnd).off('close', onEnd); } };
  }

  /** Gives the connection messages up to MAX_GIVEN, decoding input as needed; pauses or resumes the input;
   *  reports the close once everything before it has been given. */
  private pump() {
    while (this.given.size < MAX_GIVEN) {
      if (this.next === this.frames.length) {
        const c = this.unread[0];
        if (!c) break;
        const piece = c.length <= DECODE_BYTES ? c : c.subarray(0, DECODE_BYTES);
        if (piece === c) this.unread.shift(); else this.unread[0] = c.subarray(DECODE_BYTES);
        this.unreadBytes -= piece.length;
        this.frames = this.decoder.push(piece);
        this.next = 0;
        continue;
      }
      const f = this.frames[this.next];
      this.frames[this.next++] = undefined as unknown as Frame;
      if (!('text' in f)) { this.fireError(new Error(`damaged frame from the agent: ${f.error}`)); continue; }
      let msg: Message;
      try { msg = JSON.parse(f.text) as Message; } catch (e) { this.fireError(e); continue; }
      const key = queueKey(msg, this.seq++);
      if (key !== undefined) { this.given.delete(key); this.given.set(key, msg); }
      this.deliver(msg);
    }
    const waiting = this.unread.length > 0 || this.next < this.frames.length;
    if (this.ended) {
      if (!waiting && !this.closed) { this.closed = true; this.fireClose(); }
      return;
    }
    // A lent chunk is read over once input resumes: none of it may wait.
    const hold = isLent(this.input) ? this.unreadBytes > 0 : this.paused ? this.unreadBytes > MAX_UNREAD / 4 : this.unreadBytes >= MAX_UNREAD;
    if (hold !== this.paused) {
      this.paused = hold;
      if (hold) this.input.pause(); else this.input.resume();
    }
  }
}

/** The message `EndMarked` delivers after the last one: compared by identity, never sent or handled. */
export const END_OF_INPUT = { jsonrpc: '2.0' } as Message;

/** Passes on `inner`'s messages, then END_OF_INPUT once its input has ended. A MessageConnection handles
 *  messages one per event-loop turn, after its reader has already reported the close: the marker, queued
 *  behind them, tells when every answer and notification that arrived has been handled. */
export class EndMarked implements MessageReader {
  constructor(private readonly inner: MessageReader) {}
  get onError() { return this.inner.onError; }
  get onPartialMessage() { return this.inner.onPartialMessage; }
  readonly onClose: MessageReader['onClose'] = () => ({ dispose() {} }); // the marker says it, in order
  listen(callback: DataCallback): Disposable {
    let ended = false;
    this.inner.onClose(() => { if (!ended) { ended = true; callback(END_OF_INPUT); } });
    return this.inner.listen(callback);
  }
  dispose() { this.inner.dispose(); }
}
