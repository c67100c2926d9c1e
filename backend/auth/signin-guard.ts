// Limits on password sign-in, for the API and the page alike: a per-account backoff that grows with each
// failure (unknown emails are counted the same, so a 429 says nothing about whether an account exists), a cap
// on failures per client address (spraying many emails), and the older per (address, email) window.
import { ApiError } from '../errors.js';
import type { RateLimiter } from './ratelimit.js';

export interface SignInLimits {
  /** Failures an account may have before each further one makes it wait. */
  freeFailures: number;
  /** Longest wait an account's backoff reaches, in ms. */
  maxBackoffMs: number;
  /** Failed sign-ins one client address may make per `addressWindowMs`. */
  addressFailures: number;
  addressWindowMs: number;
}
interface Backoff { failures: number; until: number; last: number }
const MAX_TRACKED = 50_000;

const tooMany = (ms: number, what: string) => {
  const s = Math.max(1, Math.ceil(ms / 1000));
  return new ApiError(429, 'rate_limited', `Too many failed sign-ins ${what}; retry in ${s} s.`, { 'retry-after': String(s) });
};

export class SignInGuard {
  private accounts = new Map<string, Backoff>();
  private addresses = new Map<string, { start: number; failures: number }>();

  constructor(private o: SignInLimits, private perAddressEmail: RateLimiter) {}

  /** Runs one sign-in attempt under the limits; a 401 from `check` counts as a failure. */
  async attempt<T>(address: string, email: string, check: () => Promise<T>): Promise<T> {
    const account = email.trim().toLowerCase();
    const now = Date.now();
    const addr = this.addresses.get(address);
    if (addr && now - addr.start < this.o.addressWindowMs && addr.failures >= this.o.addressFailures) {
      throw tooMany(addr.start + this.o.addressWindowMs - now, 'from this address');
    }
    const b = this.accounts.get(account);
    if (b && b.until > now) throw tooMany(b.until - now, 'for this account');
    this.perAddressEmail.hit(`signin:${address}:${account}`, 'sign-in attempts');
    try {
      const out = await check();
      this.accounts.delete(account);
      return out;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) this.failed(address, account, Date.now());
      throw e;
    }
  }

  private failed(address: string, account: string, now: number): void {
    let a = this.addresses.get(address);
    if (!a || now - a.start >= this.o.addressWindowMs) this.addresses.set(address, (a = { start: now, failures: 0 }));
    a.failures++;
    // An account whose last failure is older than the longest wait starts over.
    const old = this.accounts.get(account);
    const b = old && now - old.last < this.o.maxBackoffMs ? old : { failures: 0, until: 0, last: now };
    b.failures++;
    b.last = now;
    const over = b.failures - this.o.freeFailures;
    if (over > 0) b.until = now + Math.min(this.o.maxBackoffMs, 1000 * 2 ** Math.min(over - 1, 30));
    this.accounts.set(account, b);
    if (this.accounts.size > MAX_TRACKED || this.addresses.size > MAX_TRACKED) this.sweep(now);
  }

  /** Forgets what can no longer matter; past the bound, the oldest entries go first. */
  private sweep(now: number): void {
    for (const [k, a] of this.addresses) if (now - a.start >= this.o.addressWindowMs) this.addresses.delete(k);
    for (const [k, b] of this.accounts) if (b.until <= now && now - b.last >= this.o.maxBackoffMs) this.accounts.delete(k);
    for (const m of [this.accounts, this.addresses] as Map<string, unknown>[]) {
      for (const k of m.keys()) { if (m.size <= MAX_TRACKED / 2) break; m.delete(k); }
    }
  }
}
