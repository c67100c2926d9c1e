// Counting semaphore over bytes (or slots): `take` waits until the amount fits, `release` gives it back.
// A single request larger than the whole budget still passes when nothing else is held, so it cannot stall.
export class Budget {
  private used = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly max: number) {}

  async take(n: number): Promise<void> {
    while (this.used > 0 && this.used + n > this.max) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.used += n;
  }

  release(n: number): void {
    this.used -= n;
    const ready = this.waiters;
    this.waiters = [];
    for (const wake of ready) wake();
  }

  get inUse(): number { return this.used; }
}
