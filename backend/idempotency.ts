// Idempotency keys: the first request with a key is stored with its answer in the same transaction as its
// effects, so a retry (after a timeout, a crash, a reconnect) gets the same answer and changes nothing.
// Rows are appended in time order (rowid) with no index on the key: every socket frame stores a key, and an
// index on random keys would make each commit write one random page per frame. The lookup is a map in memory
// from a seeded hash of (user, key) to rowids, built from the table at startup; a hit is checked against the
// row, so a collision or a rolled-back row is only a miss. One process writes the database (the sandbox).
// A socket's message frame stores no row here: its event carries the key (events.idem, in the same INSERT),
// the index points at the event (a negative id), and a retry is checked against the request that event
// stands for and answered `{seq}` from it; once expired, the key is cleared from the event.
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
interface KeyedEvent { task_id: string; type: string; payload: string; seq: number; created_at: number; idem: string | null }

/** Handed to the handler of a keyed request: a handler that appends an event may store the key on it
 *  (`EventLog.appendAs`) instead of an idempotency row; its answer must then be `{seq}` of that event. */
export interface KeyClaim { readonly tag: string; eventId?: number; seq?: number }

/** The request (as given to `run`) a keyed event was appended for, to check a retry against; undefined for
 *  an event no keyed request appends. */
export type EventRequest = (taskId: string, type: string, payload: unknown) => unknown;

export class Idempotency {
  /** Hash of (user, key) -> rowid, or rowids when hashes collide. 30 bits: the map's keys stay small integers. */
  private index = new Map<number, number | number[]>();
  // Random per process, so nobody outside can choose keys that collide.
  private seed = randomInt(2 ** 30);
  private q;
  /** Events before this id hold no key that was not cleared (kept in `idem_events`, moved on by `prune`). */
  private eventsFrom: number;

  constructor(private store: Store, readonly ttlMs: number, private eventRequest: EventRequest) {
    const db = store.db;
    this.q = {
      row: db.prepare('SELECT user_id, key, fingerprint, response, created_at FROM idempotency WHERE id = ?'),
      event: db.prepare('SELECT task_id, type, payload, seq, created_at, idem FROM events WHERE id = ?'),
      keyedEvents: db.prepare('SELECT id, idem FROM events WHERE id >= ? AND id < ? AND idem IS NOT NULL').raw(),
      firstLiveEvent: db.prepare('SELECT id FROM events WHERE id >= ? AND created_at >= ? ORDER BY id LIMIT 1').pluck(),
      afterLastEvent: db.prepare('SELECT COALESCE(MAX(id), 0) + 1 FROM events').pluck(),
      clearEvents: db.prepare('UPDATE events SET idem = NULL WHERE id >= ? AND id < ? AND idem IS NOT NULL'),
      setEventsFrom: db.prepare('UPDATE idem_events SET from_id = ?'),
      insert: db.prepare('INSERT INTO idempotency (user_id, key, fingerprint, status, response, created_at) VALUES (?,?,?,?,?,?)'),
      firstLive: db.prepare('SELECT id FROM idempotency WHERE created_at >= ? ORDER BY id LIMIT 1').pluck(),
      before: db.prepare('SELECT id, user_id, key FROM idempotency WHERE id < ?').raw(),
      drop: db.prepare('DELETE FROM idempotency WHERE id < ?'),
    };
    for (const [id, user, key] of db.prepare('SELECT id, user_id, key FROM idempotency').raw().iterate() as Iterable<[number, string, string]>) {
      this.add(this.hash(user, key), id);
    }
    // The keyed events `prune` has not passed yet: found by id, not by time, so neither a long stop nor a
    // clock set back (newer events stamped older) makes a restart read the whole log or miss a live key.
    // Expired ones among them are indexed too; a lookup checks the time, and the first prune forgets them.
    this.eventsFrom = db.prepare('SELECT from_id FROM idem_events').pluck().get() as number;
    for (const [id, idem] of this.q.keyedEvents.iterate(this.eventsFrom, Number.MAX_SAFE_INTEGER) as Iterable<[number, string]>) {
      this.add(this.hashTag(idem), -id);
    }
  }

  /** Deletes the keys older than the TTL; the server calls it on a timer. Rows are in time order, so the
   *  expired ones are the oldest rowids (a clock set back leaves a few for a later prune; lookups skip them). */
  prune(now = Date.now()): number {
    return this.store.tx(() => {
      const live = this.q.firstLive.get(now - this.ttlMs) as number | undefined ?? Number.MAX_SAFE_INTEGER;
      for (const [id, user, key] of this.q.before.iterate(live) as Iterable<[number, string, string]>) this.remove(this.hash(user, key), id);
      return this.q.drop.run(live).changes + this.pruneEvents(now);
    });
  }

  /** Forgets the keys of the events before the first one still within the TTL, clears them from the rows
   *  and moves `eventsFrom` there for good; answers how many. Reads only the events it passes. */
  private pruneEvents(now: number): number {
    const from = this.eventsFrom;
    const to = this.q.firstLiveEvent.get(from, now - this.ttlMs) as number | undefined ?? this.q.afterLastEvent.get() as number;
    if (to <= from) return 0;
    let n = 0;
    for (const [id, idem] of this.q.keyedEvents.iterate(from, to) as Iterable<[number, string]>) {
      this.remove(this.hashTag(idem), -id);
      n++;
    }
    if (n) this.q.clearEvents.run(from, to);
    this.q.setEventsFrom.run(to);
    this.eventsFrom = to;
    return n;
  }

  /** Runs fn once per (user, key); a replay returns the stored result, a different request with the key is 422. */
  run<T>(userId: string, key: string, request: unknown, fn: (claim: KeyClaim) => T): { result: T; replayed: boolean } {
    return this.store.tx(() => {
      const h = this.hash(userId, key);
      const row = this.find(h, userId, key);
      if (row && row.created_at >= Date.now() - this.ttlMs) {
        if (row.fingerprint !== sha256(JSON.stringify(request))) {
          throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was used for a different request; use a new key.');
        }
        return { result: JSON.parse(row.response) as T, replayed: true };
      }
      const claim: KeyClaim = { tag: `${userId} ${key}` };
      const result = fn(claim);
      if (result instanceof Promise) throw new Error('idempotent handlers must be synchronous');
      // At once, not after commit: a retry in the same batch of frames must find it.
      if (claim.eventId !== undefined) {
        if (JSON.stringify(result) !== `{"seq":${claim.seq}}`) throw new Error('a handler that keys its event must answer {seq} of it');
        this.add(h, -claim.eventId);
      } else {
        const fingerprint = sha256(JSON.stringify(request));
        this.add(h, Number(this.q.insert.run(userId, key, fingerprint, 200, JSON.stringify(result ?? null), Date.now()).lastInsertRowid));
      }
      return { result, replayed: false };
    });
  }

  /** The newest row stored for (user, key), if any (an event's key read as a row). An entry whose row or event
   *  is gone or holds a key of another hash (its transaction rolled back, the id was used again) is dropped;
   *  one that holds another key of the same hash (a collision) stays, it is another request's. */
  private find(h: number, userId: string, key: string): Row | undefined {
    const ids = this.index.get(h);
    if (ids === undefined) return undefined;
    let found: Row | undefined;
    for (const id of typeof ids === 'number' ? [ids] : [...ids]) {
      const r = id > 0 ? this.idemRow(h, id) : this.keyedEvent(h, -id, userId, key);
      if (r === undefined) this.remove(h, id);
      else if (r && r.user_id === userId && r.key === key && (!found || r.created_at >= found.created_at)) found = r;
    }
    return found;
  }

  /** An idempotency row; undefined when none with a key of this hash has the id. */
  private idemRow(h: number, id: number): Row | undefined {
    const r = this.q.row.get(id) as Row | undefined;
    return r && this.hash(r.user_id, r.key) === h ? r : undefined;
  }

  /** A keyed event as the row a retry is checked against; null when the event holds another key of the same
   *  hash, undefined when no event with a key of this hash has the id. */
  private keyedEvent(h: number, id: number, userId: string, key: string): Row | null | undefined {
    const e = this.q.event.get(id) as KeyedEvent | undefined;
    if (!e || e.idem === null || this.hashTag(e.idem) !== h) return undefined;
    if (e.idem !== `${userId} ${key}`) return null;
    const request = this.eventRequest(e.task_id, e.type, JSON.parse(e.payload));
    return { user_id: userId, key, fingerprint: request === undefined ? '' : sha256(JSON.stringify(request)),
      response: JSON.stringify({ seq: e.seq }), created_at: e.created_at };
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

  /** The hash of an event's key as stored ("<user id> <key>"). */
  private hashTag(tag: string): number {
    const sp = tag.indexOf(' ');
    return this.hash(tag.slice(0, sp), tag.slice(sp + 1));
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
