// Profile, credit balance, rates, top-up through a checkout page that stands in for a payment provider.
import * as z from 'zod';
import { endpoint, Id, Timestamp } from './define.js';

export const MIN_TOP_UP_USD = 5;
export const MAX_TOP_UP_USD = 10_000;

export const Rates = z.object({
  creditsPerMinute: z.number().int().describe('Credits charged per full minute an engineer is connected.'),
  usdPerCredit: z.number().describe('Price of one credit in US dollars.'),
  minTopUpUsd: z.number(),
  maxTopUpUsd: z.number(),
  lowBalanceMinutes: z.number().int().describe('A `billing_update` warns when fewer minutes than this are left.'),
});

export const Role = z.enum(['customer', 'engineer']);
/** An account: a customer or an engineer (`title`: an engineer's line, e.g. "ex-FAANG"). */
export const User = z.object({
  id: Id,
  email: z.string(),
  name: z.string(),
  title: z.string().nullable(),
  role: Role,
  balance: z.number().int().describe('Credits left; never negative.'),
});
export type Role = z.infer<typeof Role>;
export type User = z.infer<typeof User>;

export const Me = User.omit({ title: true }).extend({
  rates: Rates,
  token: z.object({ id: Id, kind: z.enum(['pat', 'access', 'refresh', 'session']), scopes: z.array(z.string()), expiresAt: Timestamp.nullable() }),
});

export const TopUpRequest = z.object({
  amountUsd: z.number({ error: 'amountUsd must be a number of US dollars' })
    .int('amountUsd must be whole dollars')
    .min(MIN_TOP_UP_USD, `amountUsd must be at least ${MIN_TOP_UP_USD} (the minimum top-up is $${MIN_TOP_UP_USD})`)
    .max(MAX_TOP_UP_USD, `amountUsd must be at most ${MAX_TOP_UP_USD}`),
});
export const Checkout = z.object({
  checkoutId: Id,
  checkoutUrl: z.string().describe('Page on this server where the customer confirms the payment.'),
  amountUsd: z.number(),
  credits: z.number().int(),
  status: z.enum(['pending', 'paid']),
  createdAt: Timestamp,
  paidAt: Timestamp.nullable(),
});
export const ConfirmCheckoutResponse = Checkout.extend({
  balance: z.number().int().describe('Balance after the confirmation.'),
  credited: z.boolean().describe('False when this checkout had been confirmed before (nothing credited twice).'),
});

export const accountRoutes = {
  me: endpoint({ method: 'GET', pattern: '/api/cli/me', auth: 'user', scope: 'profile',
    summary: 'The signed-in account, its balance and rates.', response: Me }),
  rates: endpoint({ method: 'GET', pattern: '/api/cli/rates', auth: 'none', summary: 'Current prices.', response: Rates }),
  topUp: endpoint({ method: 'POST', pattern: '/api/cli/billing/top-up', auth: 'customer', scope: 'billing', idempotency: 'optional',
    summary: 'Start a top-up; returns the checkout URL.', body: TopUpRequest, response: Checkout }),
  getCheckout: endpoint({ method: 'GET', pattern: '/api/cli/billing/checkout/:checkoutId', auth: 'customer', scope: 'billing',
    summary: 'A checkout and its status.', response: Checkout }),
  confirmCheckout: endpoint({ method: 'POST', pattern: '/api/cli/billing/checkout/:checkoutId/confirm', auth: 'customer',
    scope: 'billing', summary: 'Pay a checkout (stand-in provider); credits exactly once.', body: z.object({}),
    response: ConfirmCheckoutResponse }),
};
