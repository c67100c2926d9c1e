// Socket frames that arrive in the same event-loop turn are handled in one transaction, each frame in its
// own savepoint: one commit for many frames, while a failing frame still undoes only itself. Acks go out
// after the commit, so an acked frame is durable.
import type { Store } from '../db.js';

export type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };
interface Item { run: () => unknown; done: (o: Outcome) => void }

export class FrameBatch {
  private queue: Item[] = [];

  constructor(private store: Store) {}

  add(run: () => unknown, done: (o: Outcome) => void): void {
    this.queue.push({ run, done });
    if (this.queue.length === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const items = this.queue;
    this.queue = [];
    let outcomes: Outcome[] = [];
    try {
      this.store.tx(() => {
        for (const it of items) {
          try { outcomes.push({ ok: true, result: this.store.tx(it.run) }); } catch (error) { outcomes.push({ ok: false, error }); }
        }
      });
    } catch (error) {
      outcomes = items.map(() => ({ ok: false, error }));
    }
    items.forEach((it, i) => it.done(outcomes[i]));
  }
}
