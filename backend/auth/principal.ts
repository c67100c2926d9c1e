// Who is calling: a bearer token (CLI, agent, scripts) or a web session cookie (browser pages).
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CSRF_HEADER, CUSTOMER_SCOPES, ENGINEER_SCOPES, type Auth, type Scope } from '../../protocol/backend/index.js';
import { ApiError } from '../errors.js';
import type { User, Users } from '../users.js';
import type { Sessions } from './sessions.js';
import { type Tokens, unauthorized } from './tokens.js';

export interface Principal {
  user: User;
  tokenId: string;
  kind: 'pat' | 'access' | 'session';
  /** A device login's family id (stays the same across refreshes); null for PATs and web sessions. */
  familyId: string | null;
  scopes: Scope[];
  expiresAt: number | null;
  csrf?: string;
}

/** What a signed-in web session may do: every scope of its role. */
export const sessionScopes = (user: User): Scope[] => (user.role === 'engineer' ? ENGINEER_SCOPES : CUSTOMER_SCOPES);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class Authenticator {
  constructor(private tokens: Tokens, private sessions: Sessions, private users: Users) {}

  /** Resolves the caller or throws the matching 401. Cookie writes must carry the session's CSRF token. */
  principal(req: IncomingMessage, opts: { allowCookie?: boolean; csrfFromBody?: string } = {}): Principal {
    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) throw unauthorized('token_invalid', 'The Authorization header must be `Bearer <token>`.');
      const rec = this.tokens.verify(m[1], ['pat', 'access']);
      const user = this.users.get(rec.userId);
      if (!user) throw unauthorized('token_invalid', 'The token\'s account no longer exists.');
      return { user, tokenId: rec.id, kind: rec.kind as 'pat' | 'access', familyId: rec.familyId, scopes: rec.scopes, expiresAt: rec.expiresAt };
    }
    const session = opts.allowCookie !== false ? this.sessions.fromRequest(req) : undefined;
    if (!session) throw unauthorized('token_missing', 'Send `Authorization: Bearer <token>`; run `codevf login` to get one.');
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      const sent = String(req.headers[CSRF_HEADER] ?? opts.csrfFromBody ?? '');
      if (!sameSecret(sent, session.csrf)) throw new ApiError(403, 'csrf_failed', 'The form is stale or forged: reload the page and retry.');
    }
    return { user: session.user, tokenId: session.id, kind: 'session', familyId: null, scopes: sessionScopes(session.user), expiresAt: session.expiresAt, csrf: session.csrf };
  }

  /** Checks role and scope for an endpoint. */
  allow(p: Principal, auth: Auth, scope?: Scope): void {
    if (scope && !p.scopes.includes(scope)) {
      throw new ApiError(403, 'insufficient_scope', `This token lacks the \`${scope}\` scope; create one that has it.`);
    }
    if (auth === 'customer' && p.user.role !== 'customer') throw new ApiError(403, 'customer_only', 'Only customer accounts may do this.');
    if (auth === 'engineer' && p.user.role !== 'engineer') throw new ApiError(403, 'engineer_only', 'Only engineer accounts may do this.');
  }
}
