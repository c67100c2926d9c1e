// login, logout, authStatus, tokens, balance, rates, top-up.
import { routes } from '../../protocol/backend/routes.js';
import { MIN_TOP_UP_USD } from '../../protocol/backend/account.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import {
  AuthRefresh, AuthStatus, AuthToken, CreateToken, GetBalance, GetRates, ListTokens, Login, LoginCode, Logout, RevokeToken, TopUp,
} from '../../protocol/methods/account.js';
import { openUrl } from '../../platform/browser.js';
import { deviceLogin } from '../auth/device-flow.js';
import { HttpClient } from '../net/http.js';
import type { AgentContext, Feature } from '../context.js';
import { authRequired, defaultHost, getServices } from '../services.js';
import { readUserConfig, writeUserConfig } from '../config/user-config.js';

/** `5`, `5.00`, `$5`, `$ 12.00` -> whole dollars; anything else (or below the minimum) is refused before any call. */
export function parseAmount(raw: number | string): number {
  const text = String(raw).trim();
  const m = /^\$?\s*(\d{1,7})(?:\.(\d{1,2}))?$/.exec(text);
  const bad = (why: string) => new RpcError(ErrorCode.InvalidParams, `Invalid amount "${text}": ${why}`, 'invalid_amount');
  if (!m) throw bad(`give whole US dollars, like 5, 5.00 or $5.`);
  if (m[2] && Number(m[2]) !== 0) throw bad('top-ups are in whole dollars.');
  const amount = Number(m[1]);
  if (amount < MIN_TOP_UP_USD) throw bad(`the minimum top-up is $${MIN_TOP_UP_USD}.`);
  return amount;
}

/** A host named at login (`--host`, not CODEVF_HOST) becomes the default for the next commands, as gh does. */
async function rememberHost(agent: AgentContext, named: string | undefined, h: string): Promise<void> {
  if (!named && defaultHost(agent).source !== 'flag') return;
  const { env } = agent.options;
  try {
    await writeUserConfig(env, { ...readUserConfig(env), host: h });
  } catch (e) {
    agent.log.warn(`could not remember ${h} as the default host: ${(e as Error).message}`);
  }
}

async function status(agent: AgentContext, host?: string) {
  const s = getServices(agent);
  const h = s.hostFor(host);
  const local = await s.credentials.status(h);
  let user = null;
  let signedIn = local.signedIn;
  let scopes = local.scopes ?? [];
  let expiresAt = local.expiresAt ?? null;
  if (signedIn) {
    try {
      const me = await (await s.backend(h)).call(routes.account.me);
      user = { id: me.id, email: me.email, name: me.name, role: me.role };
      scopes = me.token.scopes;
      expiresAt = me.token.expiresAt ?? expiresAt;
    } catch (e) {
      if (e instanceof RpcError && e.code === ErrorCode.AuthRequired) signedIn = false; // the stored token is no good
      else if (!(e instanceof RpcError && e.code === ErrorCode.NetworkUnreachable)) throw e;
    }
  }
  return {
    host: h, signedIn, user, tokenSource: local.signedIn ? (local.source ?? null) : null,
    store: local.store, storeLocation: local.storeLocation, maskedToken: local.maskedToken || null, scopes, expiresAt,
  };
}

/** Every host this machine holds a token for (local records only, no network), the active one first. */
async function allHosts(agent: AgentContext, active: string, asked: string) {
  const s = getServices(agent);
  const names = [...new Set([active, asked, ...await s.credentials.hosts().catch(() => [])])];
  return Promise.all(names.map(async (host) => {
    const st = await s.credentials.status(host);
    return { host: st.host, active: st.host === active, signedIn: st.signedIn, login: st.login ?? null,
      tokenSource: st.signedIn ? st.source ?? null : null, maskedToken: st.maskedToken || null, expiresAt: st.expiresAt ?? null };
  }));
}

export const account: Feature = (router, agent) => {
  const services = () => getServices(agent);

  router.on(AuthRefresh, async (p) => {
    const s = services();
    const h = s.hostFor(p.host);
    const client = await s.backend(h);
    if (!(await client.refresh?.())) {
      throw new RpcError(ErrorCode.Conflict, `The token for ${h} cannot be refreshed: it has no refresh token (a personal access token or CODEVF_TOKEN). Sign in again with: codevf login`, 'refresh_unavailable', { host: h });
    }
    const c = await client.credentials();
    return { host: h, expiresAt: c?.expiresAt ?? null, scopes: c?.scopes ?? [] };
  });

  router.on(Login, async (p, ctx) => {
    const s = services();
    const h = s.hostFor(p.host);
    const token = p.token;
    if (token) {
      // Checked against the backend before anything is stored.
      const probe = new HttpClient({ baseUrl: h, insecure: agent.options.insecure, env: agent.options.env, token: () => token });
      try {
        const me = await probe.call(routes.account.me, { signal: ctx.signal });
        await s.credentials.save(h, { accessToken: token, userId: me.id, login: me.email, scopes: me.token.scopes, ...(me.token.expiresAt ? { expiresAt: me.token.expiresAt } : {}) });
      } finally { probe.close(); }
    } else if (!agent.options.env.CODEVF_TOKEN?.trim()) {
      const name = `codevf (${agent.client?.name ?? 'agent'})`;
      const issued = await deviceLogin(s.anonymous(h), name, ctx.signal, async (code) => {
        const o = p.openBrowser ? await openUrl(code.verificationUriComplete, agent.options.env) : null;
        await ctx.notify(LoginCode, { ...code, browserOpened: o?.opened === true, ...(o && !o.opened ? { browserError: o.why } : {}) });
      });
      const saved = await s.credentials.save(h, issued);
      if (saved.keyringError) ctx.log.warn(`keyring refused the token (${saved.keyringError}); kept it in ${saved.location}`);
      const probe = new HttpClient({ baseUrl: h, insecure: agent.options.insecure, env: agent.options.env, token: () => issued.accessToken });
      try {
        const me = await probe.call(routes.account.me, { signal: ctx.signal });
        await s.credentials.save(h, { ...issued, userId: me.id, login: me.email });
      } finally { probe.close(); }
    }
    s.forget(h);
    const st = await status(agent, h);
    if (!st.signedIn) throw new RpcError(ErrorCode.AuthRequired, 'Authentication failed. Please run: codevf login', 'auth_required');
    await rememberHost(agent, p.host, h);
    return st;
  });

  router.on(Logout, async (p) => {
    const s = services();
    const h = s.hostFor(p.host);
    let revoked = false;
    const creds = await s.credentials.load(h);
    if (creds) {
      try {
        await (await s.backend(h)).call(routes.auth.revokeSelf, { body: {} });
        revoked = true;
      } catch (e) {
        agent.log.warn(`could not revoke the token on ${h}: ${(e as Error).message}`);
      }
    }
    const removed = await s.credentials.remove(h);
    s.forget(h);
    return { host: h, revoked, removedFrom: removed.removed, envTokenSet: removed.envTokenSet };
  });

  router.on(AuthStatus, async (p) => {
    const st = await status(agent, p.host);
    return { ...st, hosts: await allHosts(agent, services().hostFor(), st.host) };
  });

  router.on(AuthToken, async (p) => {
    const s = services();
    const h = s.hostFor(p.host);
    const creds = await s.credentials.load(h);
    if (!creds) throw authRequired(h);
    return { host: h, token: creds.accessToken, tokenSource: creds.source };
  });

  router.on(ListTokens, async (p) => (await services().backend(p.host)).call(routes.auth.listTokens));
  router.on(CreateToken, async (p) => (await services().backend(p.host))
    .call(routes.auth.createToken, { body: { name: p.name, scopes: p.scopes, ...(p.expiresInDays ? { expiresInDays: p.expiresInDays } : {}) } }));
  router.on(RevokeToken, async (p) => {
    const b = await services().backend(p.host);
    if (p.all) return { revoked: (await b.call(routes.auth.revokeAllTokens, { body: {} })).revoked };
    await b.call(routes.auth.revokeToken, { params: [p.tokenId!], body: {} });
    return { revoked: 1 };
  });

  router.on(GetBalance, async (p) => {
    const me = await (await services().backend(p.host)).call(routes.account.me);
    return { balance: me.balance, rates: me.rates };
  });
  router.on(GetRates, (p) => services().anonymous(p.host).call(routes.account.rates));
  router.on(TopUp, async (p) => {
    const amountUsd = parseAmount(p.amount);
    const c = await (await services().backend(p.host)).call(routes.account.topUp, { body: { amountUsd } });
    return { checkoutId: c.checkoutId, checkoutUrl: c.checkoutUrl, amountUsd: c.amountUsd, credits: c.credits };
  });
};
