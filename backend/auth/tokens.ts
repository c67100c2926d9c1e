// Bearer tokens: personal access tokens, short-lived access tokens and refresh tokens. All start with
// `cvf_` so they can be recognised and redacted; only their SHA-256 is stored.
import { randomBytes } from 'node:crypto';
import type { Scope } from '../../protocol/backend/index.js';
import type { TokenInfo } from '../../protocol/backend/auth.js';
import type { TokenKind } from '../../protocol/token-kind.js';
import type { Store } from '../db.js';
import { ApiError } from '../errors.js';
import { iso, isoOrNull, newId, sha256 } from '../util.js';

export type { TokenKind };
const DAY = 86_400_000;
const LAST_USED_GRANULARITY_MS = 1000;

interface Row {
  id: string; user_id: string; kind: TokenKind; name: string; prefix: string; scopes: string;
  created_at: number; expires_at: number; last_used_at: number | null; revoked_at: number | null; family_id: string | null;
}
export interface TokenRecord { id: string; userId: string; kind: TokenKind; scopes: Scope[]; expiresAt: number; familyId: string | null }
/** What a revocation ended: one token, one device login (its family), or every token of an account. */
export type Revoked = { userId: string } & ({ tokenId: string } | { familyId: string } | { allTokens: true });

export const unauthorized = (code: string, message: string) =>
  new ApiError(401, code, message, { 'www-authenticate': `Bearer error="invalid_token"` });

export function info(r: Row): TokenInfo {
  return {
    id: r.id, name: r.name, kind: r.kind, scopes: JSON.parse(r.scopes) as Scope[], prefix: r.prefix,
    createdAt: iso(r.created_at), expiresAt: iso(r.expires_at), lastUsedAt: isoOrNull(r.last_used_at),
    revokedAt: isoOrNull(r.revoked_at),
  };
}

export class Tokens {
  /** Set by the services: closes the sockets and polls a revoked login holds. Runs after the commit. */
  onRevoked: (r: Revoked) => void = () => {};

  constructor(private store: Store, private opts: { patMaxDays: number; accessTtlS: number; reuseGraceMs: number }) {}

  issue(userId: string, kind: TokenKind, name: string, scopes: Scope[], ttlMs: number, familyId: string | null = null, now = Date.now()) {
    const token = `cvf_${randomBytes(30).toString('base64url')}`;
    const id = newId('tok');
    this.store.stmt(`INSERT INTO tokens (id, user_id, kind, name, hash, prefix, scopes, created_at, expires_at, family_id)
      VALUES (?,?,?,?,?,?,?,?,?,?)`).run(id, userId, kind, name, sha256(token), token.slice(0, 8), JSON.stringify(scopes),
      now, now + ttlMs, familyId);
    return { id, token, row: this.row(id)! };
  }

  /** A personal access token. `notAfter`: when the login creating it ends (see `loginEnd`); the new token
   *  never outlives it: an asked-for lifetime past it is refused, the default one is cut to it. */
  createPat(userId: string, name: string, scopes: Scope[], expiresInDays?: number, notAfter: number | null = null) {
    const days = expiresInDays ?? 30;
    if (days > this.opts.patMaxDays) {
      throw new ApiError(400, 'invalid_body', `body.expiresInDays: must be at most ${this.opts.patMaxDays} days`);
    }
    const now = Date.now();
    let ttl = days * DAY;
    if (notAfter !== null && now + ttl > notAfter) {
      if (expiresInDays !== undefined) {
        const most = Math.floor((notAfter - now) / DAY);
        throw new ApiError(400, 'invalid_body', `body.expiresInDays: the token creating this one expires on ${iso(notAfter)} and `
          + `a token it creates cannot outlive it: ${most >= 1 ? `ask for at most ${most} days, or ` : ''}create it from a web session.`);
      }
      ttl = notAfter - now;
    }
    // The same `now` as the cap: a later clock reading would put the child's end past its parent's.
    const { token, row } = this.issue(userId, 'pat', name, scopes, ttl, null, now);
    return { ...info(row), token };
  }

  /** When the login behind a credential ends: a PAT's own expiry; for a device login's access token, its
   *  family's live refresh token's (the login lasts while it can be refreshed); none for a web session
   *  (a password sign-in, where long-lived tokens are meant to be made). */
  loginEnd(p: { kind: 'pat' | 'access' | 'session'; familyId: string | null; expiresAt: number | null }): number | null {
    if (p.kind === 'session') return null;
    if (p.kind === 'access' && p.familyId) {
      const r = this.store.stmt(`SELECT MAX(expires_at) AS end FROM tokens WHERE family_id = ? AND kind = 'refresh' AND revoked_at IS NULL`)
        .get(p.familyId) as { end: number | null };
      return r.end ?? p.expiresAt;
    }
    return p.expiresAt;
  }

  /** A fresh access + refresh pair in a login family (a new one at device login, the same one on rotation). */
  issuePair(userId: string, scopes: Scope[], name: string, familyId = newId('fam')) {
    const access = this.issue(userId, 'access', name, scopes, this.opts.accessTtlS * 1000, familyId);
    const refresh = this.issue(userId, 'refresh', name, scopes, 30 * DAY, familyId);
    return {
      access_token: access.token, token_type: 'Bearer' as const, expires_in: this.opts.accessTtlS,
      refresh_token: refresh.token, scope: scopes,
    };
  }

  private row(id: string): Row | undefined {
    return this.store.stmt('SELECT * FROM tokens WHERE id = ?').get(id) as Row | undefined;
  }

  /** Resolves a presented token; distinct 401 codes tell the client whether to refresh or log in again. */
  verify(token: string, kinds: TokenKind[]): TokenRecord {
    const r = this.store.stmt('SELECT * FROM tokens WHERE hash = ?').get(sha256(token)) as Row | undefined;
    if (!r || !kinds.includes(r.kind)) throw unauthorized('token_invalid', 'The token is not valid. Run `codevf login` again.');
    if (r.revoked_at) throw unauthorized('token_revoked', 'The token was revoked. Run `codevf login` again.');
    const now = Date.now();
    if (r.expires_at <= now) {
      throw unauthorized('token_expired', r.kind === 'access'
        ? 'The access token expired; refresh it with the refresh token.' : 'The token expired. Create a new one or log in again.');
    }
    if (!r.last_used_at || now - r.last_used_at > LAST_USED_GRANULARITY_MS) {
      this.store.stmt('UPDATE tokens SET last_used_at = ? WHERE id = ?').run(now, r.id);
    }
    return { id: r.id, userId: r.user_id, kind: r.kind, scopes: JSON.parse(r.scopes), expiresAt: r.expires_at, familyId: r.family_id };
  }

  /** Exchanges a refresh token once: the old pair is revoked, a new pair joins the same family. A refresh token
   *  presented again after its rotation was stolen by one of the two parties using it, so the whole family is
   *  revoked (OAuth 2.0 Security BCP §4.14). */
  refresh(refreshToken: string) {
    // The family's revocation must commit even though the answer is an error, so the error is thrown after it.
    const out = this.store.tx(() => {
      const r = this.store.stmt('SELECT * FROM tokens WHERE hash = ?').get(sha256(refreshToken)) as Row | undefined;
      if (r?.kind === 'refresh' && r.revoked_at && r.family_id) {
        // Within the grace period a second exchange is most likely the same client retrying, or two of its
        // processes racing: refused, but the login lives on (an attacker gains nothing from it either).
        if (Date.now() - r.revoked_at < this.opts.reuseGraceMs) {
          return unauthorized('token_revoked', 'This refresh token was just exchanged; use the pair that exchange returned.');
        }
        this.revokeFamily(r.user_id, r.family_id);
        return unauthorized('token_revoked', 'This refresh token was already used, so the login it belongs to is now revoked. Run `codevf login` again.');
      }
      const rec = this.verify(refreshToken, ['refresh']);
      this.store.stmt('UPDATE tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL').run(Date.now(), rec.familyId);
      return this.issuePair(rec.userId, rec.scopes, r!.name, rec.familyId ?? undefined);
    });
    if (out instanceof ApiError) throw out;
    return out;
  }

  private revokeFamily(userId: string, familyId: string): void {
    this.store.stmt('UPDATE tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL').run(Date.now(), familyId);
    this.store.afterCommit(() => this.onRevoked({ userId, familyId }));
  }

  list(userId: string) {
    const rows = this.store.stmt(`SELECT * FROM tokens WHERE user_id = ? AND kind != 'refresh' ORDER BY created_at DESC`)
      .all(userId) as Row[];
    return rows.map(info);
  }

  revoke(userId: string, tokenId: string) {
    return this.store.tx(() => {
      const r = this.row(tokenId);
      if (!r || r.user_id !== userId) throw new ApiError(404, 'not_found', `Token ${tokenId} not found`);
      // Revoking any token of a device login ends the whole login.
      if (r.family_id) this.revokeFamily(userId, r.family_id);
      else {
        this.store.stmt('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(Date.now(), r.id);
        this.store.afterCommit(() => this.onRevoked({ userId, tokenId: r.id }));
      }
      return info(this.row(tokenId)!);
    });
  }

  /** Revokes every token of the account; answers how many it revoked, refresh halves not counted. */
  revokeAll(userId: string): number {
    return this.store.tx(() => {
      const now = Date.now();
      const n = this.store.stmt(`UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND kind != 'refresh'`)
        .run(now, userId).changes;
      this.store.stmt('UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(now, userId);
      this.store.afterCommit(() => this.onRevoked({ userId, allTokens: true }));
      return n;
    });
  }
}
