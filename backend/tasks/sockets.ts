// The open task sockets, by account and task: caps how many one account holds on one task, and lets the
// server close them all (shutdown) or some (revocation).
import type { WebSocket } from 'ws';
import type { Principal } from '../auth/principal.js';
import { ApiError } from '../errors.js';

export interface OpenSocket { ws: WebSocket; userId: string; tokenId: string; taskId: string; side: 'customer' | 'engineer' }

export class TaskSockets {
  private byKey = new Map<string, Set<OpenSocket>>();

  constructor(private maxPerTask: number) {}

  /** Throws 429 when this account already holds the most sockets allowed on this task. */
  admit(p: Principal, taskId: string): void {
    const n = this.byKey.get(`${p.user.id} ${taskId}`)?.size ?? 0;
    if (n >= this.maxPerTask) {
      throw new ApiError(429, 'too_many_sockets', `This account already has ${n} sockets open on this task; close one first.`);
    }
  }

  /** Registers an open socket until it closes (call in the same turn as `admit`). */
  add(p: Principal, taskId: string, side: OpenSocket['side'], ws: WebSocket): void {
    const k = `${p.user.id} ${taskId}`;
    let set = this.byKey.get(k);
    if (!set) this.byKey.set(k, (set = new Set()));
    const entry: OpenSocket = { ws, userId: p.user.id, tokenId: p.tokenId, taskId, side };
    set.add(entry);
    ws.once('close', () => {
      set!.delete(entry);
      if (set!.size === 0 && this.byKey.get(k) === set) this.byKey.delete(k);
    });
  }

  *[Symbol.iterator](): IterableIterator<OpenSocket> {
    for (const set of this.byKey.values()) yield* set;
  }
}
