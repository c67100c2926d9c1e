// Socket frames that arrive in the same event-loop turn are handled in one transaction: one commit for many
// frames. A failing frame must undo only itself: each `run` either writes in one statement (a chat message,
// `Actions.message`) or in a savepoint of its own (`Store.savepoint`, tasks/ws.ts). Acks go out
// after the commit, so an acked frame is durable. A transaction takes at most MAX_BATCH frames, so one
// flooding socket cannot hold the event loop for long; the rest go in the next turn. What the batch sends
// (events, acks) is held per socket and leaves in one write per socket when the batch is done.
import type { Store } from '../db.js';
import type { WriteHold } from './cork.js';

export type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };
const MAX_BATCH = 256;
interface Item { run: () => unknown; done: (o: Outcome) => void }

export class FrameBatch {
  private queue: Item[] = [];

  constructor(private store: Store, private writes: WriteHold) {}

  add(run: () => unknown, done: (o: Outcome) => void): void {
    this.queue.push({ run, done });
    if (this.queue.length === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const items = this.queue.splice(0, MAX_BATCH);
    if (this.queue.length) setImmediate(() => this.flush());
    this.writes.run(() => this.handle(items));
  }

  private handle(items: Item[]): void {
    let outcomes: Outcome[] = [];
    try {
      this.store.tx(() => {
        for (const it of items) {
          try { outcomes.push({ ok: true, result: it.run() }); } catch (error) { outcomes.push({ ok: false, error }); }
        }
      });
    } catch (error) {
      outcomes = items.map(() => ({ ok: false, error }));
    }
    items.forEach((it, i) => it.done(outcomes[i]));
  }
}
