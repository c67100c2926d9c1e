// Device approval (RFC 8628 §3.3): the user types the code shown in the terminal, sees which client asks
// (name, host, address, time, scopes) and the code to compare, then approves or denies. Looking a code up
// is a POST because every wrong entry counts toward the core's limit.
import { pages } from '../../protocol/backend/index.js';
import { sessionScopes } from '../auth/principal.js';
import type { WebSession } from '../auth/sessions.js';
import { ApiError } from '../errors.js';
import type { Router } from '../http/router.js';
import type { Services } from '../services.js';
import { html, when } from './html.js';
import { csrfField, layout, notice } from './layout.js';
import { sendPage, signedIn } from './respond.js';

type Client = ReturnType<Services['device']['describe']>;

const DECIDE_PATH = '/device/decide';

function enterCode(session: WebSession, code: string, error?: string) {
  return layout({ title: 'Approve a device login', session, body: html`
    <form method="post" action="${pages.device.path()}" class="card">
      ${notice(error, 'error')}
      ${csrfField(session)}
      <p>A terminal asked to sign in to your account. Enter the code it shows.</p>
      <label for="user_code">Code</label>
      <div class="row"><input id="user_code" name="user_code" type="text" class="code" required autocomplete="off"
        autocapitalize="characters" spellcheck="false" placeholder="XXXX-XXXX" maxlength="20" value="${code}" autofocus>
      <button type="submit">Continue</button></div>
    </form>
    <p class="muted">Only continue if you started <code>codevf login</code> yourself just now.</p>` });
}

function clientFacts(c: Client) {
  return html`<dl class="facts">
    <dt>Code</dt><dd class="code code-big" id="user-code">${c.userCode}</dd>
    <dt>Client</dt><dd id="client-name">${c.clientName}</dd>
    <dt>Host</dt><dd id="client-host">${c.clientHost ?? 'not given'}</dd>
    <dt>Address</dt><dd id="client-ip">${c.clientIp ?? 'unknown'}</dd>
    <dt>Asked at</dt><dd>${when(c.requestedAt)}</dd>
    <dt>Access</dt><dd>${c.scopes.map((sc) => html`<span class="badge">${sc}</span> `)}</dd>
    <dt>Status</dt><dd><span class="badge ${c.status}" id="status">${c.status}</span></dd>
  </dl>`;
}

function confirmPage(session: WebSession, c: Client) {
  const decision = (value: 'approve' | 'deny', label: string, cls: string) => html`
    <form method="post" action="${DECIDE_PATH}" class="inline" data-once>${csrfField(session)}
      <input type="hidden" name="user_code" value="${c.userCode}"><input type="hidden" name="decision" value="${value}">
      <button type="submit" class="${cls}">${label}</button></form>`;
  const body = c.status === 'pending'
    ? html`<p>Check that the code below is the one in your terminal. If it is not, deny.</p>
      <div class="card">${clientFacts(c)}</div>
      <p>${decision('approve', 'Approve', '')} ${decision('deny', 'Deny', 'danger')}</p>`
    : html`<div class="card">${clientFacts(c)}</div>
      ${notice(`This login is ${c.status}; there is nothing to decide. Start \`codevf login\` again if needed.`, 'error')}`;
  return layout({ title: 'Is this you?', session, body });
}

function donePage(session: WebSession, c: Client) {
  const text = c.status === 'approved'
    ? `Approved. ${c.clientName} is signed in; return to your terminal.`
    : `Denied. ${c.clientName} was not signed in.`;
  return layout({ title: c.status === 'approved' ? 'Device approved' : 'Device denied', session, body: html`
    ${notice(text, c.status === 'approved' ? 'ok' : 'error')}<div class="card">${clientFacts(c)}</div>` });
}

/** Wrong or expired codes and the attempt limit come back from the core as these codes. */
const RETRY_CODES = new Set(['unknown_user_code', 'rate_limited', 'already_decided']);

export function registerDevice(router: Router, s: Services): void {
  router.raw('GET', pages.device.pattern, signedIn(s, 'customer', ({ req, res, url, session }) => {
    const code = url.searchParams.get('user_code') ?? url.searchParams.get('code') ?? '';
    sendPage(req, res, enterCode(session, code.slice(0, 20)));
  }));

  router.raw('POST', pages.device.pattern, signedIn(s, 'customer', ({ req, res, session, form }) => {
    const code = (form.get('user_code') ?? '').trim();
    if (!code) return sendPage(req, res, enterCode(session, '', 'Enter the code your terminal shows.'), 400);
    try {
      sendPage(req, res, confirmPage(session, s.device.describe(code, session.user.id)));
    } catch (e) {
      if (!(e instanceof ApiError) || !RETRY_CODES.has(e.code)) throw e;
      sendPage(req, res, enterCode(session, code.slice(0, 20), e.message), e.status, e.headers);
    }
  }));

  router.raw('POST', DECIDE_PATH, signedIn(s, 'customer', ({ req, res, session, form }) => {
    const decision = form.get('decision');
    if (decision !== 'approve' && decision !== 'deny') throw new ApiError(400, 'invalid_form', 'Choose approve or deny.');
    const code = form.get('user_code') ?? '';
    try {
      sendPage(req, res, donePage(session, s.device.decide(code, { id: session.user.id, scopes: sessionScopes(session.user) }, decision)));
    } catch (e) {
      if (!(e instanceof ApiError) || !RETRY_CODES.has(e.code)) throw e;
      sendPage(req, res, enterCode(session, code.slice(0, 20), e.message), e.status, e.headers);
    }
  }));
}
