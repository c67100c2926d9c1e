// Fixed-window counters in memory for the auth endpoints; a hit over the limit is a 429 with Retry-After.
import { ApiError } from '../errors.js';

export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(private limit: number, private windowMs: number) {}

  private current(key: string, now: number) {
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
      if (this.windows.size > 10_000) this.sweep(now);
    }
    return w;
  }

  /** Counts one hit; throws 429 when the key is over its limit in this window. */
  hit(key: string, what = 'requests'): void {
    const now = Date.now();
    const w = this.current(key, now);
    w.count++;
    if (w.count > this.limit) throw this.tooMany(w, now, what);
  }

  /** Throws 429 if the key is already over the limit, without counting. */
  check(key: string, what = 'requests'): void {
    const now = Date.now();
    const w = this.current(key, now);
    if (w.count >= this.limit) throw this.tooMany(w, now, what);
  }

  private tooMany(w: { start: number }, now: number, what: string): ApiError {
    const retry = Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
    return new ApiError(429, 'rate_limited', `Too many ${what}; retry in ${retry} s.`, { 'retry-after': String(retry) });
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
  }
}
