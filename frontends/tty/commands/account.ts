// balance, rates, topup.
import type * as z from 'zod';
import type { Rates } from '../../../protocol/backend/account.js';
import { GetBalance, GetRates, TopUp } from '../../../protocol/methods/account.js';
import { openUrl } from '../../../platform/browser.js';
import { bool, type Ctx } from '../cli/context.js';
import { usage } from '../cli/errors.js';

const usd = (n: number) => `$${n.toFixed(2)}`;

function rateLines(r: z.output<typeof Rates>): string[] {
  return [
    `Rate:           ${r.creditsPerMinute} credit${r.creditsPerMinute === 1 ? '' : 's'}/min while an engineer is connected`,
    `Credit price:   ${usd(r.usdPerCredit)}`,
    `Top-up:         ${usd(r.minTopUpUsd)} to ${usd(r.maxTopUpUsd)} (codevf topup <amount>)`,
    `Low balance at: ${r.lowBalanceMinutes} minutes left`,
  ];
}

export async function balance(ctx: Ctx) {
  const b = await (await ctx.agent()).request(GetBalance, {});
  const c = ctx.io.out;
  const minutes = b.rates.creditsPerMinute > 0 ? Math.floor(b.balance / b.rates.creditsPerMinute) : Infinity;
  const low = minutes < b.rates.lowBalanceMinutes;
  ctx.io.data([
    `Balance:        ${(low ? c.red : c.bold)(`${b.balance} credits`)} (about ${minutes === Infinity ? 'unlimited' : minutes} minutes with an engineer)`,
    ...rateLines(b.rates),
  ].join('\n'));
  if (low) ctx.io.warn(`Your balance is low. Run: codevf topup ${Math.max(b.rates.minTopUpUsd, 10)}`);
  return b;
}

export async function rates(ctx: Ctx) {
  const r = await (await ctx.agent()).request(GetRates, {});
  ctx.io.data(rateLines(r).join('\n'));
  return r;
}

export async function topup(ctx: Ctx) {
  const [amount, extra] = ctx.positionals;
  if (!amount || extra) throw usage('Give one amount in US dollars.\nFor example: codevf topup 10');
  const r = await (await ctx.agent()).request(TopUp, { amount });
  const { io } = ctx;
  io.info(`Checkout for ${usd(r.amountUsd)} (${r.credits} credits):`);
  io.data(r.checkoutUrl);
  let opened = false;
  if (bool(ctx, 'open')) {
    const o = await openUrl(r.checkoutUrl, io.env);
    opened = o.opened;
    if (o.opened) io.success('Opened the checkout in your browser.');
    else io.warn(`Could not open a browser (${o.why}); open the URL above yourself.`);
  } else if (!io.json) io.info(io.err.dim('Open the URL above to pay (or run again with --open).'));
  return { ...r, opened };
}
