// Everything the agent sends into a task (messages, decisions, output, results, files) goes through one
// ordered queue. Each item gets its idempotency key when queued and keeps it across retries and agent
// restarts (the queue is saved in session.json), so the backend stores it exactly once.
import { randomUUID } from 'node:crypto';
import { routes, type BodyIn } from '../../protocol/backend/index.js';
import type { Posted } from '../../protocol/backend/tasks.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { outsideRequest } from '../cancel.js';
import type { Logger } from '../log.js';
import type { SessionBackend } from './backend.js';
import { fullJitter } from './config.js';
import type { OutboxItem, OutboxRoute } from './store.js';

export type { Posted };
/** The body each route takes: a decision cannot be queued to the output route by mistake. */
export type OutboxBody<R extends OutboxRoute> = BodyIn<(typeof routes.tasks)[R]>;
/** Told when the backend refuses an item for good (4xx), so the front end hears of it, not only the log. */
export type OnRefused = (route: OutboxRoute, body: Record<string, unknown>, err: RpcError) => void;
/** What a queued call ended as: the backend's answer, or the error it refused the call with (never retried). */
export type Delivery = Posted | RpcError;
type Waiter = { resolve: (d: Delivery) => void };

/** A backend answer that sending again cannot change (4xx other than 408/429): drop the item. */
function permanent(err: unknown): boolean {
  if (!(err instanceof RpcError)) return false;
  if (err.code === ErrorCode.AuthRequired || err.code === ErrorCode.NetworkUnreachable) return false;
  return !err.data.retryable;
}

export class Outbox {
  private items: OutboxItem[];
  private waiters = new Map<string, Waiter>();
  private running = false;
  private stopped = false;
  private failures = 0;
  private wake: (() => void) | null = null;
  /** True while the last attempt failed on the network: new items are queued, not yet delivered. */
  offline = false;
  onRefused: OnRefused = () => undefined;
  /** Seq of each event the backend stored for us: the stream will echo it back. */
  onPosted: (seq: number) => void = () => undefined;

  constructor(private taskId: string, private backend: SessionBackend, items: OutboxItem[],
    private onChange: (route: OutboxRoute) => void, private log: Logger, private backoff = { baseMs: 300, maxMs: 15_000 }) {
    this.items = [...items];
  }

  get size(): number { return this.items.length; }
  snapshot(): OutboxItem[] { return [...this.items]; }

  /** Queues one call; resolves with the backend's answer once delivered, or with its refusal. */
  enqueue<R extends OutboxRoute>(route: R, body: OutboxBody<R>): Promise<Delivery> {
    const item: OutboxItem = { key: randomUUID(), route, body: body as Record<string, unknown>, createdAt: new Date().toISOString() };
    this.items.push(item);
    this.onChange(route);
    const p = new Promise<Delivery>((resolve) => this.waiters.set(item.key, { resolve }));
    if (!this.running && !this.stopped) void outsideRequest(() => this.run());
    return p;
  }

  /** Delivers now: starts the queue (items loaded from disk) or cuts a retry wait short (back online). */
  kick(): void {
    if (this.wake) { const w = this.wake; this.wake = null; w(); }
    if (!this.running && !this.stopped) void outsideRequest(() => this.run());
  }

  /** Resolves when the queue is empty or after `ms`. */
  async drain(ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (this.items.length && Date.now() < until && !this.stopped) await new Promise((r) => setTimeout(r, 20));
    return this.items.length === 0;
  }

  stop(): void {
    this.stopped = true;
    if (this.wake) this.wake();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.items.length && !this.stopped) {
        const item = this.items[0];
        try {
          const res = await this.backend.call(routes.tasks[item.route], {
            params: [this.taskId], body: item.body as never, idempotencyKey: item.key, timeoutMs: 30_000,
          }) as Posted;
          this.onPosted(res.seq);
          this.done(item, res);
        } catch (err) {
          if (permanent(err)) {
            this.log.warn(`backend refused ${item.route}: ${(err as Error).message}`);
            this.done(item, err as RpcError);
            this.onRefused(item.route, item.body, err as RpcError);
            continue;
          }
          this.offline = true;
          const delay = fullJitter(this.failures++, this.backoff.baseMs, this.backoff.maxMs);
          this.log.info(`${item.route} not delivered (${(err as Error).message}); retrying in ${delay} ms`);
          await new Promise<void>((r) => { const t = setTimeout(r, delay); this.wake = () => { clearTimeout(t); r(); }; });
          this.wake = null;
        }
      }
    } finally {
      this.running = false;
    }
  }

  private done(item: OutboxItem, res: Delivery): void {
    this.items.shift();
    this.failures = 0;
    this.offline = false;
    this.onChange(item.route);
    const w = this.waiters.get(item.key);
    this.waiters.delete(item.key);
    w?.resolve(res);
  }
}
