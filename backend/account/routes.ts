import { routes } from '../../protocol/backend/index.js';
import type { Api } from '../http/api.js';
import type { Services } from '../services.js';
import { isoOrNull } from '../util.js';

export function registerAccountRoutes(api: Api, s: Services): void {
  const r = routes.account;
  api.register(r.rates, () => s.accounts.rates());
  api.register(r.me, ({ principal: p }) => ({
    id: p.user.id, email: p.user.email, name: p.user.name, role: p.user.role,
    balance: s.accounts.balance(p.user.id), rates: s.accounts.rates(),
    token: { id: p.tokenId.startsWith('tok_') ? p.tokenId : 'session', kind: p.kind, scopes: p.scopes, expiresAt: isoOrNull(p.expiresAt) },
  }));
  api.register(r.topUp, ({ principal, body }) => s.accounts.startTopUp(principal.user.id, body.amountUsd));
  api.register(r.getCheckout, ({ principal, params }) => s.accounts.checkout(principal.user.id, params.checkoutId));
  api.register(r.confirmCheckout, ({ principal, params }) => s.accounts.confirm(principal.user.id, params.checkoutId));
}
