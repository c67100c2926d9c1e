// Idempotency keys: the first request with a key is stored with its answer in the same transaction as its
// effects, so a retry (after a timeout, a crash, a reconnect) gets the same answer and changes nothing.
import type { Store } from './db.js';
import { ApiError } from './errors.js';
import { sha256 } from './util.js';

export function checkKey(key: unknown): string {
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1-200 printable ASCII characters without spaces.');
  }
  return key;
}

export class Idempotency {
  constructor(private store: Store, readonly ttlMs: number) {}

  /** Deletes the keys older than the TTL; the server calls it on a timer. */
  prune(now = Date.now()): number {
    return this.store.stmt('DELETE FROM idempotency WHERE created_at < ?').run(now - this.ttlMs).changes;
  }

  /** Runs fn once per (user, key); a replay returns the stored result, a different request with the key is 422. */
  run<T>(userId: string, key: string, request: unknown, fn: () => T): { result: T; replayed: boolean } {
    const fingerprint = sha256(JSON.stringify(request));
    return this.store.tx(() => {
      const row = this.store.stmt('SELECT fingerprint, response FROM idempotency WHERE user_id = ? AND key = ? AND created_at >= ?')
        .get(userId, key, Date.now() - this.ttlMs) as { fingerprint: string; response: string } | undefined;
      if (row) {
        if (row.fingerprint !== fingerprint) {
          throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was used for a different request; use a new key.');
        }
        return { result: JSON.parse(row.response) as T, replayed: true };
      }
      const result = fn();
      if (result instanceof Promise) throw new Error('idempotent handlers must be synchronous');
      this.store.stmt('INSERT OR REPLACE INTO idempotency (user_id, key, fingerprint, status, response, created_at) VALUES (?,?,?,?,?,?)')
        .run(userId, key, fingerprint, 200, JSON.stringify(result ?? null), Date.now());
      return { result, replayed: false };
    });
  }
}
