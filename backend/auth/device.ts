// OAuth 2.0 Device Authorization Grant (RFC 8628): start, poll, and approval by a signed-in customer.
import { randomBytes, randomInt } from 'node:crypto';
import { CUSTOMER_SCOPES, USER_CODE_ALPHABET, type Scope } from '../../protocol/backend/index.js';
import type { Store } from '../db.js';
import { ApiError } from '../errors.js';
import { iso, sha256 } from '../util.js';
import { RateLimiter } from './ratelimit.js';
import type { Tokens } from './tokens.js';

export const MAX_WRONG_ENTRIES = 5;
const SLOW_DOWN_STEP_S = 5;

interface Row {
  device_hash: string; user_code: string; client_name: string; client_host: string | null; client_ip: string | null;
  scopes: string; created_at: number; expires_at: number; interval_s: number; last_poll_at: number | null;
  status: 'pending' | 'approved' | 'denied' | 'used'; user_id: string | null;
}

const oauth = (code: string, message: string) => new ApiError(400, code, message);

function newUserCode(): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return s;
}
export const showUserCode = (c: string) => `${c.slice(0, 4)}-${c.slice(4)}`;
/** Case and separators do not matter when a person types the code. */
export const normalizeUserCode = (c: string) => c.toUpperCase().replace(/[^A-Z]/g, '');

export class DeviceFlow {
  private wrong: RateLimiter;

  constructor(private store: Store, private tokens: Tokens,
    private opts: { ttlS: number; intervalS: number; verificationUri: () => string }) {
    this.wrong = new RateLimiter(MAX_WRONG_ENTRIES, Math.max(opts.ttlS, 60) * 1000);
  }

  start(body: { client_name: string; client_host?: string; scope?: Scope[] }, ip: string | null) {
    const scopes = body.scope ?? CUSTOMER_SCOPES;
    const bad = scopes.find((s) => !CUSTOMER_SCOPES.includes(s));
    if (bad) throw new ApiError(400, 'invalid_body', `body.scope: \`${bad}\` cannot be granted by a device login`);
    const deviceCode = randomBytes(32).toString('base64url');
    const now = Date.now();
    let userCode = newUserCode();
    while (this.store.stmt('SELECT 1 FROM device_codes WHERE user_code = ?').get(userCode)) userCode = newUserCode();
    this.store.stmt(`INSERT INTO device_codes (device_hash, user_code, client_name, client_host, client_ip, scopes,
      created_at, expires_at, interval_s, status) VALUES (?,?,?,?,?,?,?,?,?, 'pending')`).run(sha256(deviceCode), userCode,
      body.client_name, body.client_host ?? null, ip, JSON.stringify(scopes), now, now + this.opts.ttlS * 1000, this.opts.intervalS);
    const uri = this.opts.verificationUri();
    return {
      device_code: deviceCode, user_code: showUserCode(userCode), verification_uri: uri,
      verification_uri_complete: `${uri}?user_code=${showUserCode(userCode)}`, expires_in: this.opts.ttlS,
      interval: this.opts.intervalS,
    };
  }

  /** One poll from the client; answers the token once the code is approved, then never again. */
  poll(deviceCode: string) {
    // Poll bookkeeping must commit even when the answer is an error, so errors are thrown after the commit.
    const out = this.store.tx(() => {
      const r = this.store.stmt('SELECT * FROM device_codes WHERE device_hash = ?').get(sha256(deviceCode)) as Row | undefined;
      if (!r) return oauth('invalid_grant', 'Unknown device code; start the login again.');
      const now = Date.now();
      if (r.status === 'used') return oauth('invalid_grant', 'This device code was already exchanged; start the login again.');
      if (r.expires_at <= now) return oauth('expired_token', 'The code expired before it was approved; start the login again.');
      if (r.last_poll_at && now - r.last_poll_at < r.interval_s * 900) {
        const interval = r.interval_s + SLOW_DOWN_STEP_S;
        this.store.stmt('UPDATE device_codes SET interval_s = ?, last_poll_at = ? WHERE device_hash = ?')
          .run(interval, now, r.device_hash);
        return oauth('slow_down', `Polling too fast; wait ${interval} s between polls from now on.`);
      }
      this.store.stmt('UPDATE device_codes SET last_poll_at = ? WHERE device_hash = ?').run(now, r.device_hash);
      if (r.status === 'denied') return oauth('access_denied', 'The login was denied in the browser.');
      if (r.status === 'pending') return oauth('authorization_pending', 'Waiting for the user to approve the code.');
      this.store.stmt(`UPDATE device_codes SET status = 'used' WHERE device_hash = ?`).run(r.device_hash);
      return this.tokens.issuePair(r.user_id!, JSON.parse(r.scopes), `device login: ${r.client_name}`);
    });
    if (out instanceof ApiError) throw out;
    return out;
  }

  /** Finds a pending code for an approver; wrong entries are counted and limited per approver. */
  private find(userCode: string, approverId: string): Row {
    this.wrong.check(`device:${approverId}`, 'wrong codes');
    const code = normalizeUserCode(userCode);
    const r = this.store.stmt('SELECT * FROM device_codes WHERE user_code = ?').get(code) as Row | undefined;
    if (!r || r.expires_at <= Date.now()) {
      this.wrong.hit(`device:${approverId}`, 'wrong codes');
      throw new ApiError(404, 'unknown_user_code', 'No login is waiting for this code; check the code in your terminal.');
    }
    return r;
  }

  describe(userCode: string, approverId: string) {
    return this.view(this.find(userCode, approverId));
  }

  /** Approves or denies; an approval grants only the asked scopes the approver holds (scopes only narrow). */
  decide(userCode: string, approver: { id: string; scopes: Scope[] }, decision: 'approve' | 'deny') {
    return this.store.tx(() => {
      const r = this.find(userCode, approver.id);
      if (r.status !== 'pending') throw new ApiError(409, 'already_decided', `This code was already ${r.status}.`);
      const status = decision === 'approve' ? 'approved' : 'denied';
      const granted = (JSON.parse(r.scopes) as Scope[]).filter((sc) => approver.scopes.includes(sc));
      if (status === 'approved' && !granted.length) {
        throw new ApiError(403, 'insufficient_scope', 'You hold none of the scopes this login asks for, so you cannot approve it.');
      }
      const scopes = status === 'approved' ? JSON.stringify(granted) : r.scopes;
      this.store.stmt('UPDATE device_codes SET status = ?, user_id = ?, scopes = ? WHERE device_hash = ?')
        .run(status, approver.id, scopes, r.device_hash);
      return this.view({ ...r, status, scopes });
    });
  }

  private view(r: Row) {
    const expired = r.expires_at <= Date.now() && r.status === 'pending';
    return {
      userCode: showUserCode(r.user_code), clientName: r.client_name, clientHost: r.client_host, clientIp: r.client_ip,
      requestedAt: iso(r.created_at), scopes: JSON.parse(r.scopes) as Scope[], status: expired ? 'expired' as const : r.status,
    };
  }
}
