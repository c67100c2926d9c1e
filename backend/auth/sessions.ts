// Web sign-in: email + password -> a session cookie (HttpOnly, SameSite=Lax) with a CSRF token for writes.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SESSION_COOKIE } from '../../protocol/backend/index.js';
import type { Store } from '../db.js';
import { ApiError } from '../errors.js';
import { checkPassword, type User, type Users } from '../users.js';
import { sha256 } from '../util.js';
import type { Revoked } from './tokens.js';

const SESSION_TTL_MS = 12 * 3600_000;

export interface WebSession { id: string; user: User; csrf: string; expiresAt: number }

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    // A value that does not decode is no session: the caller answers 401, not 500.
    try { return decodeURIComponent(v.join('=')); } catch { return undefined; }
  }
  return undefined;
}

export class Sessions {
  /** Set by the services: closes the sockets and polls a signed-out session holds. */
  onRevoked: (r: Revoked) => void = () => {};

  constructor(private store: Store, private users: Users) {}

  /** Checks the password and opens a session; the same message and the same work for an unknown email. */
  async signIn(email: string, password: string): Promise<{ cookie: string; session: WebSession }> {
    const u = this.users.byEmail(email);
    const ok = await checkPassword(password, u?.password_hash ?? null);
    if (!u || !ok) {
      throw new ApiError(401, 'invalid_credentials', 'Email or password is wrong.');
    }
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const now = Date.now();
    this.store.stmt('INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at) VALUES (?,?,?,?,?)')
      .run(sha256(id), u.id, csrf, now, now + SESSION_TTL_MS);
    const cookie = `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${SESSION_TTL_MS / 1000}`;
    return { cookie, session: { id, user: this.users.get(u.id)!, csrf, expiresAt: now + SESSION_TTL_MS } };
  }

  fromRequest(req: IncomingMessage): WebSession | undefined {
    const id = readCookie(req, SESSION_COOKIE);
    if (!id) return undefined;
    const row = this.store.stmt('SELECT user_id, csrf, expires_at, revoked_at FROM sessions WHERE hash = ?')
      .get(sha256(id)) as { user_id: string; csrf: string; expires_at: number; revoked_at: number | null } | undefined;
    if (!row || row.revoked_at || row.expires_at <= Date.now()) return undefined;
    const user = this.users.get(row.user_id);
    return user && { id, user, csrf: row.csrf, expiresAt: row.expires_at };
  }

  signOut(id: string, userId: string): string {
    this.store.stmt('UPDATE sessions SET revoked_at = ? WHERE hash = ?').run(Date.now(), sha256(id));
    this.store.afterCommit(() => this.onRevoked({ userId, tokenId: id }));
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0`;
  }
}
