// Balance, rates and top-ups. A checkout is paid by flipping its status in the same transaction that
// credits the account, so confirming twice can never credit twice.
import { pages } from '../../protocol/backend/index.js';
import { MAX_TOP_UP_USD, MIN_TOP_UP_USD } from '../../protocol/backend/index.js';
import type { Config } from '../config.js';
import type { Store } from '../db.js';
import { ApiError } from '../errors.js';
import { iso, isoOrNull, newId } from '../util.js';

interface CheckoutRow { id: string; user_id: string; amount_usd: number; credits: number; status: 'pending' | 'paid'; created_at: number; paid_at: number | null }

export class Accounts {
  constructor(private store: Store, private config: Config, private baseUrl: () => string) {}

  rates() {
    return {
      creditsPerMinute: this.config.creditsPerMinute, usdPerCredit: this.config.usdPerCredit,
      minTopUpUsd: MIN_TOP_UP_USD, maxTopUpUsd: MAX_TOP_UP_USD, lowBalanceMinutes: this.config.lowBalanceMinutes,
    };
  }

  balance(userId: string): number {
    const r = this.store.stmt('SELECT balance FROM users WHERE id = ?').get(userId) as { balance: number } | undefined;
    return r?.balance ?? 0;
  }

  startTopUp(userId: string, amountUsd: number) {
    const id = newId('chk');
    const credits = Math.floor(amountUsd / this.config.usdPerCredit);
    this.store.stmt('INSERT INTO checkouts (id, user_id, amount_usd, credits, status, created_at) VALUES (?,?,?,?,?,?)')
      .run(id, userId, amountUsd, credits, 'pending', Date.now());
    return this.checkout(userId, id);
  }

  checkout(userId: string, id: string) {
    const r = this.row(id);
    if (!r || r.user_id !== userId) throw new ApiError(404, 'not_found', `Checkout ${id} not found`);
    return {
      checkoutId: r.id, checkoutUrl: this.baseUrl() + pages.checkout.path(r.id), amountUsd: r.amount_usd, credits: r.credits,
      status: r.status, createdAt: iso(r.created_at), paidAt: isoOrNull(r.paid_at),
    };
  }

  /** Marks the checkout paid and credits it; a second confirmation reports `credited: false`. */
  confirm(userId: string, id: string) {
    return this.store.tx(() => {
      const r = this.row(id);
      if (!r || r.user_id !== userId) throw new ApiError(404, 'not_found', `Checkout ${id} not found`);
      const paid = this.store.stmt(`UPDATE checkouts SET status = 'paid', paid_at = ? WHERE id = ? AND status = 'pending'`)
        .run(Date.now(), id).changes === 1;
      if (paid) this.store.stmt('UPDATE users SET balance = balance + ? WHERE id = ?').run(r.credits, userId);
      return { ...this.checkout(userId, id), balance: this.balance(userId), credited: paid };
    });
  }

  private row(id: string): CheckoutRow | undefined {
    return this.store.stmt('SELECT * FROM checkouts WHERE id = ?').get(id) as CheckoutRow | undefined;
  }
}
