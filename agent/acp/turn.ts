// When an ACP prompt turn ends. A live engineer has no "done" signal, so: the turn ends a quiet period after
// the engineer's latest reply, once no permission prompt is open and no approved command is running; or at
// once on session/cancel (`cancelled`) or when the session ends (`end_turn`). Updates after a turn still flow.
import type { AcpStopReason } from '../../protocol/acp.js';

export class Turn {
  readonly done: Promise<AcpStopReason>;
  private resolve!: (r: AcpStopReason) => void;
  private replies = 0;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(private quietMs: number, private busy: () => boolean) {
    this.done = new Promise((r) => { this.resolve = r; });
  }

  /** Counts an engineer reply; true for the first one of this turn. */
  heard(): boolean {
    this.replies++;
    this.poke();
    return this.replies === 1;
  }

  /** Something changed (a reply, a prompt answered, a command ended): restart the quiet period. */
  poke(): void {
    clearTimeout(this.timer);
    if (this.finished || this.replies === 0 || this.busy()) return;
    this.timer = setTimeout(() => this.finish('end_turn'), this.quietMs);
  }

  finish(reason: AcpStopReason): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    this.resolve(reason);
  }
}
