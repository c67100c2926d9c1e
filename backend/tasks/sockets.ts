// The open task sockets and waiting long polls, by account and task, with the login that opened each: caps how
// many sockets one account holds on one task, closes at once what a revoked login holds, and closes each when
// the token (or web session) that opened it expires (`SocketClose.tokenExpired`: refresh and reconnect).
import type { WebSocket } from 'ws';
import { SocketClose } from '../../protocol/backend/index.js';
import type { Principal } from '../auth/principal.js';
import { ApiError } from '../errors.js';

/** setTimeout's longest delay; a later expiry (a PAT's) is waited for in steps. */
const MAX_DELAY = 2 ** 31 - 1;

/** Ends one socket or poll; called at most once, with a WebSocket close code and reason. */
export type Closer = (code: number, reason: string) => void;

export interface OpenSocket {
  userId: string;
  /** Token id, or the web session's id. */
  tokenId: string;
  /** A device login's family (its access and refresh tokens across rotations); null for PATs and sessions. */
  familyId: string | null;
  kind: Principal['kind'];
  taskId: string;
  side: 'customer' | 'engineer' | 'poll';
  ws?: WebSocket;
  close: Closer;
  expiry?: NodeJS.Timeout;
}

export class TaskSockets {
  private byKey = new Map<string, Set<OpenSocket>>();

  constructor(private maxPerTask: number) {}

  /** Throws 429 when this account already holds the most sockets allowed on this task. */
  admit(p: Principal, taskId: string): void {
    let n = 0;
    for (const e of this.byKey.get(`${p.user.id} ${taskId}`) ?? []) if (e.side !== 'poll') n++;
    if (n >= this.maxPerTask) {
      throw new ApiError(429, 'too_many_sockets', `This account already has ${n} sockets open on this task; close one first.`);
    }
  }

  /** Registers an open socket until it closes (call in the same turn as `admit`). A revocation (or the
   *  login's expiry) runs `onRevoked` at once, then closes the socket, cutting off a peer that does not
   *  answer the close frame. */
  add(p: Principal, taskId: string, side: 'customer' | 'engineer', ws: WebSocket, onRevoked?: () => void): void {
    const remove = this.register(p, taskId, side, (code, reason) => {
      onRevoked?.();
      ws.close(code, reason);
      setTimeout(() => ws.terminate(), 1000).unref();
    }, ws);
    ws.once('close', remove);
  }

  /** Registers a waiting long poll; `end` runs with the close code if its login is revoked or expires.
   *  Returns the unregister function. */
  hold(p: Principal, taskId: string, end: Closer): () => void {
    let n = 0;
    for (const e of this.byKey.get(`${p.user.id} ${taskId}`) ?? []) if (e.side === 'poll') n++;
    if (n >= this.maxPerTask) {
      throw new ApiError(429, 'too_many_polls', `This account already has ${n} long polls waiting on this task; wait for one to answer.`);
    }
    return this.register(p, taskId, 'poll', end);
  }

  /** Closes (and unregisters) every entry whose login matches; answers how many. */
  close(match: (e: OpenSocket) => boolean, code: number, reason: string): number {
    const hit = [...this].filter(match);
    for (const e of hit) {
      clearTimeout(e.expiry);
      this.byKey.get(`${e.userId} ${e.taskId}`)?.delete(e);
      try { e.close(code, reason); } catch (err) { process.stderr.write(`sandbox: closing a socket failed: ${String(err)}\n`); }
    }
    return hit.length;
  }

  private expireAt(entry: OpenSocket, at: number): void {
    const ms = at - Date.now();
    entry.expiry = setTimeout(() => {
      if (ms > MAX_DELAY) return this.expireAt(entry, at);
      this.close((e) => e === entry, SocketClose.tokenExpired.code, SocketClose.tokenExpired.reason);
    }, Math.min(Math.max(ms, 0), MAX_DELAY));
    entry.expiry.unref();
  }

  *[Symbol.iterator](): IterableIterator<OpenSocket> {
    for (const set of this.byKey.values()) yield* set;
  }

  private register(p: Principal, taskId: string, side: OpenSocket['side'], close: Closer, ws?: WebSocket): () => void {
    const k = `${p.user.id} ${taskId}`;
    let set = this.byKey.get(k);
    if (!set) this.byKey.set(k, (set = new Set()));
    const entry: OpenSocket = { userId: p.user.id, tokenId: p.tokenId, familyId: p.familyId, kind: p.kind, taskId, side, ws, close };
    set.add(entry);
    if (p.expiresAt !== null) this.expireAt(entry, p.expiresAt);
    return () => {
      clearTimeout(entry.expiry);
      set!.delete(entry);
      if (set!.size === 0 && this.byKey.get(k) === set) this.byKey.delete(k);
    };
  }
}
