// CLI access: create a personal access token (shown once), list tokens, revoke one, revoke all after a
// confirmation step that works without JavaScript.
import { pages, Scope } from '../../protocol/backend/index.js';
import { sessionScopes } from '../auth/principal.js';
import { TOKEN_KIND_LABEL } from '../../protocol/token-kind.js';
import type { WebSession } from '../auth/sessions.js';
import { ApiError } from '../errors.js';
import type { Router } from '../http/router.js';
import type { Services } from '../services.js';
import { html, when, type Html } from './html.js';
import { buttonForm, csrfField, layout, notice } from './layout.js';
import { redirect, sendPage, signedIn } from './respond.js';

type TokenInfo = ReturnType<Services['tokens']['list']>[number];
const BASE = pages.tokens.path();
const NOTICES: Record<string, string> = {
  revoked: 'The token was revoked; programs using it now get 401 token_revoked.',
};

const scopesOf = (session: WebSession) => sessionScopes(session.user);

function status(t: TokenInfo): 'revoked' | 'expired' | 'active' {
  if (t.revokedAt) return 'revoked';
  return Date.parse(t.expiresAt) <= Date.now() ? 'expired' : 'active';
}

function createForm(s: Services, session: WebSession, error?: string): Html {
  const max = s.config.patMaxDays;
  return html`<form method="post" action="${BASE}" class="card" id="create-token">
    <h2>Create a token</h2>${notice(error, 'error')}${csrfField(session)}
    <label for="name">Name</label>
    <input id="name" name="name" type="text" required maxlength="100" placeholder="laptop, CI, ...">
    <label>Scopes</label>
    <div class="checks">${scopesOf(session).map((sc) => html`<label><input type="checkbox" name="scopes" value="${sc}" checked> ${sc}</label>`)}</div>
    <label for="expires">Expires in (days, at most ${max})</label>
    <div class="row"><input id="expires" name="expiresInDays" type="number" min="1" max="${max}" value="${Math.min(30, max)}" required>
    <button type="submit">Create token</button></div>
  </form>`;
}

function tokenTable(session: WebSession, tokens: TokenInfo[]): Html {
  if (!tokens.length) return html`<p class="muted">No tokens yet.</p>`;
  const rows = tokens.map((t) => {
    const st = status(t);
    return html`<tr data-token-id="${t.id}" data-token-name="${t.name}">
      <td>${t.name}<br><code class="muted">${t.prefix}…</code> <span class="muted">${TOKEN_KIND_LABEL[t.kind]}</span></td>
      <td>${t.scopes.join(', ')}</td><td>${when(t.createdAt)}</td><td>${when(t.lastUsedAt)}</td><td>${when(t.expiresAt)}</td>
      <td><span class="badge ${st}">${st}</span></td>
      <td>${st === 'active' ? buttonForm(session, `${BASE}/${encodeURIComponent(t.id)}/revoke`, 'Revoke', { cls: 'secondary' }) : ''}</td></tr>`;
  });
  return html`<table id="tokens"><thead><tr><th>Name</th><th>Scopes</th><th>Created</th><th>Last used</th><th>Expires</th><th>Status</th><th></th></tr></thead>
    <tbody>${rows}</tbody></table>`;
}

function listPage(s: Services, session: WebSession, opts: { created?: { name: string; token: string }; error?: string; info?: string } = {}) {
  const tokens = s.tokens.list(session.user.id);
  const active = tokens.filter((t) => status(t) === 'active').length;
  const shown = opts.created && html`<div class="card" id="new-token">
    <h2>Token “${opts.created.name}” created</h2>
    <p class="warn">Copy it now: it is shown this once and cannot be shown again.</p>
    <div class="secret"><code id="token-value">${opts.created.token}</code>
      <button type="button" class="secondary" data-copy="token-value">Copy</button></div>
    <p class="muted">Use it with <code>export CODEVF_TOKEN=…</code> or <code>codevf login --with-token</code>.</p></div>`;
  return layout({ title: 'CLI access', session, wide: true, body: html`
    ${notice(opts.info)}${shown}${createForm(s, session, opts.error)}
    <div class="card"><h2>Your tokens</h2>${tokenTable(session, tokens)}
      ${active ? html`<p>${buttonForm(session, `${BASE}/revoke-all`, `Revoke all (${active})…`, { cls: 'danger' })}</p>` : ''}</div>` });
}

function confirmRevokeAll(session: WebSession, active: number) {
  return layout({ title: 'Revoke every token?', session, body: html`<div class="card">
    <p>This revokes <strong>${active}</strong> active token(s), including every terminal login. Programs using them stop working
    at once and must log in again. This page stays signed in.</p>
    ${buttonForm(session, `${BASE}/revoke-all`, 'Yes, revoke all', { cls: 'danger', fields: { confirm: 'yes' } })}
    <a href="${BASE}">Cancel</a></div>` });
}

/** Reads the form with the protocol's own schema so the page and the API accept the same tokens. */
function parseCreate(s: Services, session: WebSession, form: URLSearchParams) {
  const name = (form.get('name') ?? '').trim();
  if (!name || name.length > 100) throw new ApiError(400, 'invalid_form', 'Give the token a name (1 to 100 characters).');
  const scopes = form.getAll('scopes');
  if (!scopes.length) throw new ApiError(400, 'invalid_form', 'Choose at least one scope.');
  const allowed = scopesOf(session);
  const bad = scopes.find((sc) => !Scope.safeParse(sc).success || !allowed.includes(sc as Scope));
  if (bad !== undefined) throw new ApiError(400, 'invalid_form', `Your account cannot grant the scope “${bad}”.`);
  const days = Number(form.get('expiresInDays'));
  if (!Number.isInteger(days) || days < 1 || days > s.config.patMaxDays) {
    throw new ApiError(400, 'invalid_form', `Expiry must be a whole number of days from 1 to ${s.config.patMaxDays}.`);
  }
  return { name, scopes: scopes as Scope[], days };
}

export function registerTokens(router: Router, s: Services): void {
  router.raw('GET', pages.tokens.pattern, signedIn(s, 'any', ({ req, res, url, session }) => {
    sendPage(req, res, listPage(s, session, { info: NOTICES[url.searchParams.get('done') ?? ''] }));
  }));

  router.raw('POST', pages.tokens.pattern, signedIn(s, 'any', ({ req, res, session, form }) => {
    let input;
    try {
      input = parseCreate(s, session, form);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return sendPage(req, res, listPage(s, session, { error: e.message }), 400);
    }
    const created = s.tokens.createPat(session.user.id, input.name, input.scopes, input.days);
    sendPage(req, res, listPage(s, session, { created: { name: created.name, token: created.token } }));
  }));

  router.raw('POST', `${BASE}/revoke-all`, signedIn(s, 'any', ({ req, res, session, form }) => {
    const active = s.tokens.list(session.user.id).filter((t) => status(t) === 'active').length;
    if (form.get('confirm') !== 'yes') return sendPage(req, res, confirmRevokeAll(session, active));
    s.tokens.revokeAll(session.user.id);
    sendPage(req, res, listPage(s, session, { info: `Revoked ${active} token(s). Every terminal must log in again.` }));
  }));

  router.raw('POST', `${BASE}/:tokenId/revoke`, signedIn(s, 'any', ({ res, params, session }) => {
    s.tokens.revoke(session.user.id, params.tokenId);
    redirect(res, `${BASE}?done=revoked`);
  }));
}
