// The page shell shared by every page: head, navigation for the signed-in role, sign-out form.
import type { WebSession } from '../auth/sessions.js';
import { html, type Html } from './html.js';

export const ASSETS = { css: '/web/app.css', js: '/web/app.js', console: '/web/console.js' };

interface Shell { title: string; session?: WebSession; body: Html; scripts?: string[]; wide?: boolean }

function nav(session: WebSession): Html {
  const links = session.user.role === 'engineer'
    ? [['/console', 'Console'], ['/tokens', 'CLI access']]
    : [['/device', 'Device login'], ['/tokens', 'CLI access']];
  return html`<nav>
    ${links.map(([href, label]) => html`<a href="${href}">${label}</a>`)}
    <span class="who">${session.user.name} · ${session.user.role}</span>
    <form method="post" action="/sign-out" class="inline">
      <input type="hidden" name="_csrf" value="${session.csrf}">
      <button class="link" type="submit">Sign out</button>
    </form>
  </nav>`;
}

export function layout({ title, session, body, scripts = [], wide = false }: Shell): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · CodeVF</title>
<link rel="stylesheet" href="${ASSETS.css}">
${[ASSETS.js, ...scripts].map((src) => html`<script src="${src}" defer></script>`)}
</head><body>
<header><a class="brand" href="/">CodeVF <small>sandbox</small></a>${session ? nav(session) : ''}</header>
<main class="${wide ? 'wide' : ''}">
<h1>${title}</h1>
${body}
</main></body></html>`;
}

export function errorPage(status: number, message: string, session?: WebSession): Html {
  const title = status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status === 429 ? 'Slow down' : 'Something went wrong';
  return layout({ title, session, body: html`<p class="error" role="alert">${message}</p><p><a href="/">Back to the start page</a></p>` });
}

/** A hidden field carrying the session's CSRF token; every form includes it. */
export const csrfField = (session: WebSession) => html`<input type="hidden" name="_csrf" value="${session.csrf}">`;

export const notice = (text: string | null | undefined, kind: 'ok' | 'error' = 'ok') =>
  text ? html`<p class="${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>` : html``;

/** A form that is only a button (revoke, claim, pay): the CSRF token plus fixed hidden fields. */
export function buttonForm(session: WebSession, action: string, label: string, opts: { cls?: string; fields?: Record<string, string> } = {}): Html {
  const hidden = Object.entries(opts.fields ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`);
  return html`<form method="post" action="${action}" class="inline" data-once>${csrfField(session)}${hidden}<button type="submit" class="${opts.cls ?? ''}">${label}</button></form>`;
}
