// Idempotency keys: the first request with a key is stored with its answer in the same transaction as its
// effects, so a retry (after a timeout, a crash, a reconnect) gets the same answer and changes nothing.
// Rows are appended in time order (rowid) with no index on the key: every socket frame stores a key, and an
// index on random keys would make each commit write one random page per frame. The lookup is a map in memory
// from a seeded hash of (user, key) to rowids, built from the table at startup; a hit is checked against the
// row, so a collision or a rolled-back row is only a miss. One process writes the database (the sandbox).
import { randomInt } from 'node:crypto';
import type { Store } from './db.js';
import { ApiError } from './errors.js';
import { sha256 } from './util.js';

export function checkKey(key: unknown): string {
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1-200 printable ASCII characters without spaces.');
  }
  return key;
}

interface Row { user_id: string; key: string; fingerprint: string; response: string; created_at: number }

export class Idempotency {
  /** Hash of (user, key) -> rowid, or rowids when hashes collide. 30 bits: the map's keys stay small integers. */
  private index = new Map<number, number | number[]>();
  // Random per process, so nobody outside can choose keys that collide.
  private seed = randomInt(2 ** 30);
  private q;

  constructor(private store: Store, readonly ttlMs: number) {
    const db = store.db;
    this.q = {
      row: db.prepare('SELECT user_id, key, fingerprint, response, created_at FROM idempotency WHERE id = ?'),
      insert: db.prepare('INSERT INTO idempotency (user_id, key, fingerprint, status, response, created_at) VALUES (?,?,?,?,?,?)'),
      firstLive: db.prepare('SELECT id FROM idempotency WHERE created_at >= ? ORDER BY id LIMIT 1').pluck(),
      before: db.prepare('SELECT id, user_id, key FROM idempotency WHERE id < ?').raw(),
      drop: db.prepare('DELETE FROM idempotency WHERE id < ?'),
    };
    for (const [id, user, key] of db.prepare('SELECT id, user_id, key FROM idempotency').raw().iterate() as Iterable<[number, string, string]>) {
      this.add(this.hash(user, key), id);
    }
  }

  /** Deletes the keys older than the TTL; the server calls it on a timer. Rows are in time order, so the
   *  expired ones are the oldest rowids (a clock set back leaves a few for a later prune; lookups skip them). */
  prune(now = Date.now()): number {
    return this.store.tx(() => {
      const live = this.q.firstLive.get(now - this.ttlMs) as number | undefined ?? Number.MAX_SAFE_INTEGER;
      for (const [id, user, key] of this.q.before.iterate(live) as Iterable<[number, string, string]>) this.remove(this.hash(user, key), id);
      return this.q.drop.run(live).changes;
    });
  }

  /** Runs fn once per (user, key); a replay returns the stored result, a different request with the key is 422. */
  run<T>(userId: string, key: string, request: unknown, fn: () => T): { result: T; replayed: boolean } {
    const fingerprint = sha256(JSON.stringify(request));
    return this.store.tx(() => {
      const h = this.hash(userId, key);
      const row = this.find(h, userId, key);
      if (row && row.created_at >= Date.now() - this.ttlMs) {
        if (row.fingerprint !== fingerprint) {
          throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was used for a different request; use a new key.');
        }
        return { result: JSON.parse(row.response) as T, replayed: true };
      }
      const result = fn();
      if (result instanceof Promise) throw new Error('idempotent handlers must be synchronous');
      const id = this.q.insert.run(userId, key, fingerprint, 200, JSON.stringify(result ?? null), Date.now()).lastInsertRowid;
      // At once, not after commit: a retry in the same batch of frames must find it.
      this.add(h, Number(id));
      return { result, replayed: false };
    });
  }

  /** The newest row stored for (user, key), if any. */
  private find(h: number, userId: string, key: string): Row | undefined {
    const ids = this.index.get(h);
    if (ids === undefined) return undefined;
    for (const id of typeof ids === 'number' ? [ids] : [...ids].reverse()) {
      const r = this.q.row.get(id) as Row | undefined;
      if (r?.user_id === userId && r.key === key) return r;
      if (!r) this.remove(h, id); // a row whose transaction rolled back
    }
    return undefined;
  }

  private add(h: number, id: number): void {
    const ids = this.index.get(h);
    if (ids === undefined) this.index.set(h, id);
    else if (typeof ids === 'number') this.index.set(h, [ids, id]);
    else ids.push(id);
  }

  private remove(h: number, id: number): void {
    const ids = this.index.get(h);
    if (ids === id) this.index.delete(h);
    else if (Array.isArray(ids)) {
      const rest = ids.filter((x) => x !== id);
      if (rest.length === 0) this.index.delete(h);
      else this.index.set(h, rest.length === 1 ? rest[0] : rest);
    }
  }

  /** FNV-1a over user, a separator and key, seeded, with a final mix; 30 bits. */
  private hash(user: string, key: string): number {
    let h = this.seed ^ 0x811c9dc5;
    for (let i = 0; i < user.length; i++) h = Math.imul(h ^ user.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0xff, 0x01000193);
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    return h & 0x3fffffff;
  }
}
