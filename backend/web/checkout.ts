// The checkout stand-in for a payment provider: shows the amount and the credits, and "Pay" confirms through
// the core, which credits a checkout exactly once; a repeated Pay (second tab, resubmitted form) says so.
import { pages } from '../../protocol/backend/index.js';
import type { WebSession } from '../auth/sessions.js';
import type { Router } from '../http/router.js';
import type { Services } from '../services.js';
import { html, when } from './html.js';
import { buttonForm, layout, notice } from './layout.js';
import { sendPage, signedIn } from './respond.js';

type Checkout = ReturnType<Services['accounts']['checkout']>;

const usd = (n: number) => `$${n.toFixed(2)}`;

function page(session: WebSession, c: Checkout, balance: number, message?: { text: string; kind: 'ok' | 'error' }) {
  const pay = c.status === 'pending'
    ? html`<p>${buttonForm(session, `${pages.checkout.path(c.checkoutId)}/pay`, `Pay ${usd(c.amountUsd)}`)}</p>
      <p class="muted">Sandbox: no money moves; paying credits your account at once.</p>`
    : html`<p class="muted">This checkout is paid; nothing more can be charged or credited with it.</p>`;
  return layout({ title: 'Checkout', session, body: html`
    ${message ? notice(message.text, message.kind) : ''}
    <div class="card"><dl class="facts">
      <dt>Amount</dt><dd id="amount">${usd(c.amountUsd)}</dd>
      <dt>Credits</dt><dd id="credits">${c.credits}</dd>
      <dt>Status</dt><dd><span class="badge ${c.status}" id="status">${c.status}</span></dd>
      <dt>Created</dt><dd>${when(c.createdAt)}</dd>
      ${c.paidAt ? html`<dt>Paid</dt><dd>${when(c.paidAt)}</dd>` : ''}
      <dt>Your balance</dt><dd id="balance">${balance} credits</dd>
    </dl></div>${pay}` });
}

export function registerCheckout(router: Router, s: Services): void {
  router.raw('GET', pages.checkout.pattern, signedIn(s, 'customer', ({ req, res, params, session }) => {
    const c = s.accounts.checkout(session.user.id, params.checkoutId);
    sendPage(req, res, page(session, c, s.accounts.balance(session.user.id)));
  }));

  router.raw('POST', `${pages.checkout.pattern}/pay`, signedIn(s, 'customer', ({ req, res, params, session }) => {
    const r = s.accounts.confirm(session.user.id, params.checkoutId);
    const message = r.credited
      ? { text: `Paid. ${r.credits} credits were added to your account.`, kind: 'ok' as const }
      : { text: `This checkout was already paid (${when(r.paidAt)}); nothing more was credited.`, kind: 'error' as const };
    sendPage(req, res, page(session, r, r.balance, message));
  }));
}
