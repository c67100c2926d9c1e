// HTTP plumbing for the pages: security headers, form bodies, the signed-in session, CSRF checks, and one
// error boundary that turns failures into an HTML page instead of the API's JSON body.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSession } from '../auth/sessions.js';
import { ApiError } from '../errors.js';
import { readBody } from '../http/body.js';
import type { Params, RawHandler } from '../http/router.js';
import type { Services } from '../services.js';
import type { Html } from './html.js';
import { errorPage } from './layout.js';

const FORM_LIMIT = 64 * 1024;

// connect-src lists ws: explicitly because older Chromium did not match WebSocket URLs against 'self'.
function csp(req: IncomingMessage): string {
  const host = String(req.headers.host ?? '').replace(/[^A-Za-z0-9.:[\]-]/g, '');
  return ["default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    `connect-src 'self'${host ? ` ws://${host} wss://${host}` : ''}`, "form-action 'self'", "frame-ancestors 'none'",
    "base-uri 'none'"].join('; ');
}

/** Every page is per-user (and some show tokens), so none may be cached or framed. */
export function pageHeaders(req: IncomingMessage): Record<string, string> {
  return {
    'content-security-policy': csp(req), 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer', 'cache-control': 'no-store', 'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  };
}

type Headers = Record<string, string | string[]>;

export function sendPage(req: IncomingMessage, res: ServerResponse, page: Html, status = 200, extra: Headers = {}): void {
  const body = page.text;
  res.writeHead(status, { ...pageHeaders(req), 'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)), ...extra });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function redirect(res: ServerResponse, to: string, extra: Headers = {}): void {
  res.writeHead(303, { location: to, 'cache-control': 'no-store', 'content-length': '0', ...extra });
  res.end();
}

/** Only same-site paths, so `?next=` cannot send a signed-in user to another site. Browsers drop tabs and
 * newlines inside URLs (`/\t/evil` becomes `//evil`), so any whitespace or control character is refused. */
export function safeNext(next: unknown, fallback: string): string {
  return typeof next === 'string' && next.length <= 2000 && /^\/(?![/\\])[^\s\x00-\x1f\x7f]*$/.test(next) ? next : fallback;
}

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    throw new ApiError(415, 'unsupported_media_type', 'Submit the form from the page.');
  }
  return new URLSearchParams((await readBody(req, FORM_LIMIT)).toString('utf8'));
}

export function sameToken(a: string | null | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A cross-site POST carries another Origin; refuse it even before looking at the token. */
function checkOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return;
  let host = '';
  try { host = new URL(origin).host; } catch { /* unparsable origin: refused below */ }
  if (host !== req.headers.host) throw new ApiError(403, 'csrf_failed', 'The form was sent from another site; it was refused.');
}

export interface PageCtx {
  req: IncomingMessage;
  res: ServerResponse;
  params: Params;
  url: URL;
  session: WebSession;
  form: URLSearchParams;
}

type Role = 'any' | 'customer' | 'engineer';

/** A page that needs a signed-in user; POSTs must carry the session's CSRF token in `_csrf`. */
export function signedIn(s: Services, role: Role, fn: (ctx: PageCtx) => unknown): RawHandler {
  return guarded(s, async (req, res, params, url) => {
    const session = s.sessions.fromRequest(req);
    const isPost = req.method === 'POST';
    if (!session) {
      if (isPost) throw new ApiError(403, 'csrf_failed', 'Your session ended; sign in again and resubmit the form.');
      return redirect(res, `/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`);
    }
    let form = new URLSearchParams();
    if (isPost) {
      checkOrigin(req);
      form = await readForm(req);
      if (!sameToken(form.get('_csrf'), session.csrf)) {
        throw new ApiError(403, 'csrf_failed', 'The form is stale or forged (no valid CSRF token); reload the page and retry.');
      }
    }
    if (role !== 'any' && session.user.role !== role) {
      throw new ApiError(403, `${role}_only`, role === 'engineer'
        ? 'The engineer console is for engineer accounts; sign in as an engineer.'
        : 'This page is for customer accounts; sign in with the account you use in the terminal.');
    }
    return fn({ req, res, params, url, session, form });
  });
}

/** Renders thrown errors as pages (with the navigation when signed in); unexpected ones are logged without
 * request data and shown generically. */
export function guarded(s: Services, fn: RawHandler): RawHandler {
  return async (req, res, params, url) => {
    try {
      await fn(req, res, params, url);
    } catch (e) {
      req.resume();
      if (res.headersSent) { res.destroy(); return; }
      const err = e instanceof ApiError ? e
        : new ApiError(500, 'internal_error', 'The server failed on this page; it has been logged. Try again.');
      if (!(e instanceof ApiError)) process.stderr.write(`sandbox: web page failed: ${e instanceof Error ? e.stack : String(e)}\n`);
      let session: WebSession | undefined;
      try { session = s.sessions.fromRequest(req); } catch { /* the error page works without navigation */ }
      sendPage(req, res, errorPage(err.status, err.message, session), err.status, err.headers);
    }
  };
}
