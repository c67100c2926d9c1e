// Start page, sign in (email + password) and sign out. The sign-in form is protected before any session
// exists by a double-submit token: a random cookie that the posted form must repeat.
import { randomBytes } from 'node:crypto';
import { pages } from '../../protocol/backend/index.js';
import { readCookie, type WebSession } from '../auth/sessions.js';
import { ApiError } from '../errors.js';
import { clientIp } from '../http/api.js';
import type { Router } from '../http/router.js';
import type { Services } from '../services.js';
import { html } from './html.js';
import { layout, notice } from './layout.js';
import { guarded, readForm, redirect, safeNext, sameToken, sendPage, signedIn } from './respond.js';

const LOGIN_CSRF_COOKIE = 'cvf_login_csrf';

const homeFor = (session: WebSession) => (session.user.role === 'engineer' ? pages.console.path() : pages.tokens.path());

function signInPage(token: string, next: string, email = '', error?: string) {
  return layout({ title: 'Sign in', body: html`
    <form method="post" action="${pages.signIn.path()}" class="card" data-once>
      ${notice(error, 'error')}
      <input type="hidden" name="_csrf" value="${token}">
      <input type="hidden" name="next" value="${next}">
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required value="${email}" autofocus>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <p><button type="submit">Sign in</button></p>
    </form>
    <p class="muted">The sandbox seeds a demo customer and a demo engineer; <code>npm start</code> prints their sign-in.</p>` });
}

function loginCookie(token: string): string {
  return `${LOGIN_CSRF_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=${pages.signIn.path()}; Max-Age=3600`;
}

export function registerSignIn(router: Router, s: Services): void {
  router.raw('GET', pages.home.pattern, guarded(s, (req, res) => {
    const session = s.sessions.fromRequest(req);
    if (session) return redirect(res, homeFor(session));
    redirect(res, pages.signIn.path());
  }));

  router.raw('GET', pages.signIn.pattern, guarded(s, (req, res, _p, url) => {
    const session = s.sessions.fromRequest(req);
    const next = safeNext(url.searchParams.get('next'), '');
    if (session) return redirect(res, next || homeFor(session));
    const token = randomBytes(24).toString('base64url');
    sendPage(req, res, signInPage(token, next), 200, { 'set-cookie': loginCookie(token) });
  }));

  router.raw('POST', pages.signIn.pattern, guarded(s, async (req, res) => {
    const form = await readForm(req);
    const cookieToken = readCookie(req, LOGIN_CSRF_COOKIE) ?? '';
    if (!cookieToken || !sameToken(form.get('_csrf'), cookieToken)) {
      throw new ApiError(403, 'csrf_failed', 'The sign-in form is stale or forged; open the sign-in page again.');
    }
    const email = (form.get('email') ?? '').trim();
    const next = safeNext(form.get('next'), '');
    const again = (error: string, status: number, headers: Record<string, string> = {}) =>
      sendPage(req, res, signInPage(cookieToken, next, email, error), status, headers);
    if (!email || !form.get('password')) return again('Enter your email and password.', 400);
    try {
      const password = form.get('password')!;
      const address = clientIp(req, s.config.trustProxy) ?? '';
      const { cookie, session } = await s.signIn.attempt(address, email, () => s.sessions.signIn(email, password));
      // The pre-session token has served its purpose; clear it.
      redirect(res, next || homeFor(session), { 'set-cookie': [cookie, loginCookie('').replace('Max-Age=3600', 'Max-Age=0')] });
    } catch (e) {
      if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 429)) throw e;
      again(e.message, e.status, e.headers);
    }
  }));

  const signOut = signedIn(s, 'any', ({ res, session }) => {
    redirect(res, pages.signIn.path(), { 'set-cookie': s.sessions.signOut(session.id, session.user.id) });
  });
  // Already signed out (expired, other tab): nothing to protect, just go to the sign-in page.
  router.raw('POST', '/sign-out', (req, res, params, url) =>
    (s.sessions.fromRequest(req) ? signOut(req, res, params, url) : (req.resume(), redirect(res, pages.signIn.path()))));
}

