import { routes } from '../../protocol/backend/index.js';
import { ApiError } from '../errors.js';
import { Reply, type Api } from '../http/api.js';
import { sameOrigin } from '../http/origin.js';
import type { Services } from '../services.js';

export function registerAuthRoutes(api: Api, s: Services): void {
  const r = routes.auth;
  api.register(r.deviceStart, ({ body, ip }) => {
    s.limits.auth.hit(`device:${ip}`, 'login attempts');
    return s.device.start(body, ip);
  });
  api.register(r.token, ({ body, ip }) => {
    if (body.grant_type === 'refresh_token') {
      s.limits.auth.hit(`refresh:${ip}`, 'token refreshes');
      return s.tokens.refresh(body.refresh_token);
    }
    return s.device.poll(body.device_code);
  });
  api.register(r.deviceLookup, ({ principal, body }) => s.device.describe(body.user_code, principal.user.id));
  api.register(r.deviceApprove, ({ principal, body }) => s.device.decide(body.user_code, { id: principal.user.id, scopes: principal.scopes }, body.decision));
  api.register(r.revokeSelf, ({ principal }) => {
    if (principal.kind === 'session') throw new ApiError(400, 'not_a_token', 'Sign out of the web session instead.');
    s.tokens.revoke(principal.user.id, principal.tokenId);
    return { ok: true as const };
  });
  api.register(r.listTokens, ({ principal }) => ({ tokens: s.tokens.list(principal.user.id) }));
  api.register(r.createToken, ({ principal, body }) => {
    const bad = body.scopes.find((sc) => !principal.scopes.includes(sc));
    if (bad) throw new ApiError(403, 'insufficient_scope', `You cannot grant the \`${bad}\` scope you do not hold.`);
    return s.tokens.createPat(principal.user.id, body.name, body.scopes, body.expiresInDays, s.tokens.loginEnd(principal));
  });
  api.register(r.revokeToken, ({ principal, params }) => s.tokens.revoke(principal.user.id, params.tokenId));
  api.register(r.revokeAllTokens, ({ principal }) => ({ revoked: s.tokens.revokeAll(principal.user.id) }));
  api.register(r.signIn, async ({ req, body, ip }) => {
    // A cross-site page must not sign a browser into the attacker's account (login CSRF).
    if (!sameOrigin(req)) throw new ApiError(403, 'bad_origin', 'Sign-in from another site refused.');
    const { cookie, session } = await s.signIn.attempt(ip, body.email, () => s.sessions.signIn(body.email, body.password));
    const u = session.user;
    return new Reply({ user: { id: u.id, email: u.email, name: u.name, role: u.role }, csrfToken: session.csrf }, 200,
      { 'set-cookie': cookie });
  });
  api.register(r.signOut, ({ principal }) => {
    if (principal.kind !== 'session') throw new ApiError(400, 'not_a_session', 'Use /api/cli/auth/revoke to log a token out.');
    return new Reply({ ok: true }, 200, { 'set-cookie': s.sessions.signOut(principal.tokenId, principal.user.id) });
  });
}
