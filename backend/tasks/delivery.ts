// Sends one task's events to one socket, in seq order, none twice, with backpressure: it sends while the
// socket's buffered bytes are under HIGH_WATER and waits for them to flush above it. The stored log is the
// queue, so a slow reader costs the server one buffer and one page, not the log. A reader that has not
// flushed for `stallMs` is closed with `readerBehind`; it reconnects with `?after=` and nothing is lost.
import type { WebSocket } from 'ws';
import { SocketClose } from '../../protocol/backend/index.js';
import type { WriteHold } from './cork.js';
import type { EventLog } from './log.js';

export const HIGH_WATER = 256 * 1024;
const PAGE = 64;
/** Frames go out as text frames, also when their UTF-8 is already a Buffer (a live event's, shared by its sockets). */
const TEXT = { binary: false };

export interface DeliveryOptions {
  stallMs: number;
  /** True once the task has ended (checked when the socket has caught up). */
  ended(): boolean;
  /** Called when the socket's buffer crosses HIGH_WATER (true) and when it has flushed (false). */
  onFull?(full: boolean): void;
  /** Holds this socket's writes while a frame batch runs (one write per socket and batch). */
  writes?: WriteHold;
}

export class Delivery {
  private last: number;
  /** Events after `last` may be stored and not yet sent: the next ones come from the log, not live. */
  private behind = true;
  /** A send went over HIGH_WATER; waiting for its flush callback. */
  private full = false;
  private stall?: NodeJS.Timeout;

  constructor(private ws: WebSocket, private log: EventLog, private taskId: string, after: number, private o: DeliveryOptions) {
    this.last = after;
  }

  /** Replays from `after`, then follows live events; returns the function that stops it. */
  start(): () => void {
    const off = this.log.subscribe(this.taskId, (e, wire) => this.live(e.seq, e.type, wire));
    this.pump();
    return () => { off(); clearTimeout(this.stall); };
  }

  /** Sends a frame that is not an event (an ack, an error), under the same high-water mark. */
  reply(text: string): void {
    if (this.open()) this.write(text);
  }

  private open(): boolean { return this.ws.readyState === this.ws.OPEN; }

  private live(seq: number, type: string, data: Buffer): void {
    if (seq <= this.last) return;
    if (this.behind || this.full || seq !== this.last + 1) {
      this.behind = true;
      if (!this.full) this.pump();
      return;
    }
    this.event(seq, type, data);
  }

  /** Sends stored events after `last` until caught up or the buffer is full. */
  private pump(): void {
    while (this.open() && !this.full) {
      const page = this.log.wireAfter(this.taskId, this.last, PAGE);
      if (!page.length) {
        this.behind = false;
        if (this.o.ended()) this.close(SocketClose.sessionEnded);
        return;
      }
      for (const e of page) {
        if (this.full || !this.open()) break;
        this.event(e.seq, e.type, e.text);
      }
    }
  }

  private event(seq: number, type: string, data: string | Buffer): void {
    this.last = seq;
    this.write(data);
    // Closed on the next turn so the ack of the frame that ended the session still goes out first.
    if (type === 'session_end') setImmediate(() => this.close(SocketClose.sessionEnded));
  }

  private write(data: string | Buffer): void {
    this.o.writes?.hold(this.ws);
    if (this.full || this.ws.bufferedAmount + data.length < HIGH_WATER) {
      this.ws.send(data, TEXT);
      return;
    }
    this.full = true;
    this.o.onFull?.(true);
    this.stall = setTimeout(() => {
      process.stderr.write(`sandbox: task ${this.taskId}: a socket read nothing for ${this.o.stallMs} ms; closed (${SocketClose.readerBehind.reason})\n`);
      this.close(SocketClose.readerBehind);
    }, this.o.stallMs);
    this.ws.send(data, TEXT, (err) => this.flushed(err));
  }

  private flushed(err?: Error): void {
    clearTimeout(this.stall);
    this.full = false;
    if (err || !this.open()) return;
    this.o.onFull?.(false);
    if (this.behind) this.pump();
  }

  private close(c: { code: number; reason: string }): void {
    if (this.open()) this.ws.close(c.code, c.reason);
  }
}
