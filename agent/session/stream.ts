// The task's event stream: a WebSocket from `?after=lastSeq`, reconnecting with exponential backoff and
// full jitter; long polling when the WebSocket cannot connect at all, upgrading again when it can.
// Every event is validated (a bad one is logged and skipped) and handed on in seq order, none twice.
// A revoked login (close code authRevoked, or a 401 that a refresh cannot cure) stops it in `auth_required`.
// An expired one (close code tokenExpired, or a `token_expired` 401) is refreshed and the stream reconnects.
import type WebSocket from 'ws';
import { routes, SocketClose, TaskEvent } from '../../protocol/backend/index.js';
import { RpcError } from '../../protocol/errors.js';
import type { Logger } from '../log.js';
import type { SessionBackend } from './backend.js';
import { fullJitter, type SessionConfig } from './config.js';

export type StreamState = 'connecting' | 'connected' | 'reconnecting' | 'polling' | 'closed' | 'auth_required';
export interface StateInfo { attempt?: number; retryInMs?: number; reason?: string }

export interface EventStreamOptions {
  taskId: string;
  after: number;
  backend: SessionBackend;
  cfg: SessionConfig;
  log: Logger;
  onEvent(e: TaskEvent): Promise<void> | void;
  onState(state: StreamState, info: StateInfo): void;
}

/** `fatal`: stop for good; 'auth' when only signing in again can help. */
type WsOutcome = { opened: boolean; reason: string; fatal?: boolean | 'auth' };
const SIGN_IN_AGAIN = 'the login was revoked or signed out; sign in again (codevf login), then resume the task';
const EXPIRED = 'the access token expired; reconnecting with a refreshed one';
const CANNOT_REFRESH = 'the login expired and cannot be refreshed; sign in again (codevf login), then resume the task';
const PAUSE_AT = 256;
const RESUME_AT = 16;

const isAuthRequired = (err: unknown) => err instanceof RpcError && err.data.reason === 'auth_required';
function errorCode(body: string): unknown {
  try { return (JSON.parse(body) as { error?: { code?: unknown } })?.error?.code; } catch { return undefined; }
}

export class EventStream {
  lastSeq: number;
  private stopped = false;
  private ended = false;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private ws?: WebSocket;
  private pollAbort?: AbortController;
  private sleepAbort?: () => void;
  private state?: StreamState;

  constructor(private o: EventStreamOptions) { this.lastSeq = o.after; }

  start(): void { void this.loop(); }

  /** Stops for good (session ended, agent exiting, or the login revoked: `auth_required`). */
  stop(reason = 'stopped', state: 'closed' | 'auth_required' = 'closed'): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ws?.terminate();
    this.pollAbort?.abort();
    this.sleepAbort?.();
    this.setState(state, { reason });
  }

  /** Resolves when every event received so far has been handled. */
  idle(): Promise<void> { return this.chain; }

  private setState(state: StreamState, info: StateInfo = {}): void {
    if (state === this.state && state !== 'reconnecting') return;
    this.state = state;
    this.o.onState(state, info);
  }

  private async loop(): Promise<void> {
    let attempt = 0;
    let wsFailures = 0;
    let pollRounds = 0;
    this.setState('connecting');
    while (!this.stopped && !this.ended) {
      const r = await this.runWebSocket();
      if (this.stopped || this.ended) break;
      this.o.log.info(`task ${this.o.taskId} WebSocket ${r.opened ? 'closed' : 'failed'}: ${r.reason}`);
      if (r.fatal) { this.stop(r.reason, r.fatal === 'auth' ? 'auth_required' : 'closed'); return; }
      if (r.opened) { attempt = 0; wsFailures = 0; pollRounds = 0; } else wsFailures++;
      if (wsFailures >= this.o.cfg.wsFailuresBeforePoll) {
        // The first successful poll tries the WebSocket again at once (the backend may just have come back);
        // after that the WebSocket is really blocked, and upgrade attempts space out.
        const every = this.o.cfg.upgradeEveryMs;
        this.o.log.debug(`task ${this.o.taskId}: long polling (round ${pollRounds})`);
        const p = await this.pollUntilUpgrade(pollRounds === 0 ? 0 : Math.min(every * 2 ** (pollRounds - 1), every * 8));
        if (p === 'upgrade') pollRounds++;
        if (p === 'upgrade') continue;
        if (p === 'fatal') return;
        if (this.stopped || this.ended) break;
      }
      const delay = fullJitter(attempt++, this.o.cfg.backoffBaseMs, this.o.cfg.backoffMaxMs);
      this.setState('reconnecting', { attempt, retryInMs: delay, reason: r.reason });
      await this.sleep(delay);
    }
    if (this.ended) this.stop('session ended');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(done, ms);
      function done() { clearTimeout(t); r(); }
      this.sleepAbort = done;
    });
  }

  /** One WebSocket connection, from open to close. */
  private async runWebSocket(): Promise<WsOutcome> {
    let ws: WebSocket;
    try {
      ws = await this.o.backend.websocket(routes.tasks.events.path(this.o.taskId), { after: this.lastSeq });
    } catch (err) {
      return { opened: false, reason: (err as Error).message, fatal: isAuthRequired(err) && 'auth' };
    }
    this.ws = ws;
    this.o.log.debug(`task ${this.o.taskId}: opening the WebSocket after seq ${this.lastSeq}`);
    if (this.stopped) { ws.terminate(); return { opened: false, reason: 'stopped' }; }
    return new Promise<WsOutcome>((resolve) => {
      let opened = false;
      let reason = 'connection lost';
      let fatal: WsOutcome['fatal'];
      // Set once a refused upgrade's answer decided the reason; the error terminating it must not replace it.
      let decided = false;
      ws.on('unexpected-response', (_req, res) => {
        reason = `upgrade refused (HTTP ${res.statusCode})`;
        if (res.statusCode !== 401) { res.resume(); ws.terminate(); return; }
        // 401: an expired access token is refreshed now and the next attempt uses the new one; an expiry no
        // refresh can cure (a PAT, a dead refresh token) and any other reason need a new login.
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => { if (body.length < 4096) body += d; });
        res.on('end', () => {
          decided = true;
          if (errorCode(body) !== 'token_expired') { fatal = 'auth'; reason = SIGN_IN_AGAIN; ws.terminate(); return; }
          void (this.o.backend.refresh?.() ?? Promise.resolve(false)).then((ok) => {
            if (ok) reason = EXPIRED;
            else { fatal = 'auth'; reason = CANNOT_REFRESH; }
            ws.terminate();
          });
        }).on('error', () => ws.terminate());
      });
      ws.on('open', () => { opened = true; this.setState('connected'); });
      ws.on('message', (data) => this.receive(String(data), ws));
      ws.on('error', (err) => { if (!decided) reason = err.message || reason; });
      ws.on('close', (code, why) => {
        if (code === 1000 && opened) reason = 'closed by the server';
        if (code === SocketClose.sessionEnded.code && String(why) === SocketClose.sessionEnded.reason) this.ended = true;
        // Not a failure: the backend stopped sending while this side was busy; the rest is replayed.
        if (code === SocketClose.readerBehind.code) reason = `fell behind the server; resuming after seq ${this.lastSeq}`;
        if (code === SocketClose.authRevoked.code) { fatal = 'auth'; reason = SIGN_IN_AGAIN; }
        // The token that opened the socket expired: the reconnect gets a refreshed one (or a 401 decides).
        if (code === SocketClose.tokenExpired.code) reason = EXPIRED;
        if (this.ws === ws) this.ws = undefined;
        resolve({ opened, reason, fatal });
      });
    });
  }

  /** Long polls until the session ends, the network fails, or it is time to try the WebSocket again. */
  private async pollUntilUpgrade(upgradeInMs: number): Promise<'upgrade' | 'failed' | 'fatal' | 'done'> {
    const upgradeAt = Date.now() + upgradeInMs;
    while (!this.stopped && !this.ended) {
      const ctl = new AbortController();
      this.pollAbort = ctl;
      const wait = Math.min(this.o.cfg.pollWaitSeconds, Math.max(0, Math.ceil((upgradeAt - Date.now()) / 1000)));
      try {
        const page = await this.o.backend.poll(this.o.taskId, this.lastSeq, wait, ctl.signal);
        this.setState('polling');
        for (const e of page.events) this.accept(e);
        if (page.ended) await this.chain;
      } catch (err) {
        if (this.stopped) return 'done';
        if (err instanceof RpcError && !err.data.retryable && err.data.reason !== 'network_unreachable') {
          this.o.log.warn(`long poll refused: ${err.message}`);
          this.stop(isAuthRequired(err) ? SIGN_IN_AGAIN : err.message, isAuthRequired(err) ? 'auth_required' : 'closed');
          return 'fatal';
        }
        return 'failed';
      }
      if (Date.now() >= upgradeAt) return 'upgrade';
    }
    return 'done';
  }

  private receive(text: string, ws: WebSocket): void {
    let msg: unknown;
    try { msg = JSON.parse(text); } catch {
      this.o.log.warn('skipped an event that is not JSON');
      return;
    }
    const type = (msg as { type?: unknown })?.type;
    if (type === 'ack' || type === 'error') return; // answers to frames; the session sends over REST
    this.accept(msg);
    if (this.queued >= PAUSE_AT && !ws.isPaused) ws.pause();
  }

  /** Validates, dedupes by seq, and queues one event for the handler. */
  private accept(raw: unknown): void {
    const parsed = TaskEvent.safeParse(raw);
    const seq = (raw as { seq?: unknown })?.seq;
    if (!parsed.success) {
      this.o.log.warn(`skipped an invalid event (seq ${String(seq)}): ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
      if (Number.isInteger(seq) && (seq as number) > this.lastSeq) this.lastSeq = seq as number;
      return;
    }
    const e = parsed.data as TaskEvent;
    if (e.taskId !== this.o.taskId || e.seq <= this.lastSeq) return;
    this.lastSeq = e.seq;
    if (e.type === 'session_end') this.ended = true;
    this.queued++;
    this.chain = this.chain.then(async () => {
      try { await this.o.onEvent(e); } catch (err) { this.o.log.error(`handling event ${e.seq} (${e.type}) failed`, err); }
      this.queued--;
      if (this.queued <= RESUME_AT && this.ws?.isPaused) this.ws.resume();
    });
  }
}
