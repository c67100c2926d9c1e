// The project's Content-Length decoder (rpc/framing.ts) as a vscode-jsonrpc MessageReader: a MessageConnection
// takes any reader. Unlike the stock one, a damaged frame is reported once and the reader carries on, and the
// input is paused while the connection has not caught up (it handles one message per event-loop turn, so a fast
// agent would otherwise fill its queue without bound).
import { AbstractMessageReader, type DataCallback, type Disposable, type Message, type MessageReader } from 'vscode-jsonrpc/node';
import { createDecoder, type Framing } from '../../rpc/framing.js';

/** Messages read but not yet handled before the input is paused. */
const MAX_QUEUED = 16;

export class FrameReader extends AbstractMessageReader {
  private queued = 0;
  private paused = false;
  constructor(private readonly input: NodeJS.ReadableStream, private readonly framing: Framing = 'content-length') { super(); }

  /** The connection has handled one message it was given. */
  handled() {
    this.queued--;
    if (this.paused && this.queued <= MAX_QUEUED / 2) { this.paused = false; this.input.resume(); }
  }

  listen(callback: DataCallback): Disposable {
    const decoder = createDecoder(this.framing);
    const onData = (chunk: Buffer | string) => {
      for (const f of decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) {
        if (!('text' in f)) { this.fireError(new Error(`damaged frame from the agent: ${f.error}`)); continue; }
        let msg: Message;
        try { msg = JSON.parse(f.text) as Message; } catch (e) { this.fireError(e); continue; }
        this.queued++;
        callback(msg);
      }
      if (!this.paused && this.queued >= MAX_QUEUED) { this.paused = true; this.input.pause(); }
    };
    const onError = (e: Error) => this.fireError(e);
    const onClose = () => this.fireClose();
    this.input.on('data', onData).on('error', onError).on('end', onClose).on('close', onClose);
    return { dispose: () => { this.input.off('data', onData).off('error', onError).off('end', onClose).off('close', onClose); } };
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
