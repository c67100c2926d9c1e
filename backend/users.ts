// Accounts: customers and engineers, with scrypt password hashes.
import { randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Role, User } from '../protocol/backend/account.js';
import type { Store } from './db.js';
import { newId } from './util.js';

export type { Role, User };

const SCRYPT = { N: 16384, r: 8, p: 1 };

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, SCRYPT);
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`;
}

const scryptAsync = (password: string, salt: Buffer, length: number, o: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(password, salt, length, o, (e, key) => (e ? reject(e) : resolve(key))));
// Unknown emails and accounts without a usable hash are checked against this, so every refusal costs one
// scrypt with the same parameters and key length: the time to answer does not say whether the email exists.
const DUMMY = { salt: randomBytes(16), key: Buffer.alloc(32) };

/** Checks a password off the event loop (libuv's pool); always runs exactly one scrypt. */
export async function checkPassword(password: string, stored: string | null): Promise<boolean> {
  const [kind, salt, key] = (stored ?? '').split('$');
  const usable = kind === 'scrypt' && Boolean(salt) && Buffer.from(key ?? '', 'base64').length === DUMMY.key.length;
  const want = usable ? Buffer.from(key, 'base64') : DUMMY.key;
  const got = await scryptAsync(password, usable ? Buffer.from(salt, 'base64') : DUMMY.salt, want.length, SCRYPT);
  return timingSafeEqual(want, got) && usable;
}

export class Users {
  constructor(private store: Store) {}

  get(id: string): User | undefined {
    return this.store.stmt('SELECT id, email, name, title, role, balance FROM users WHERE id = ?').get(id) as User | undefined;
  }

  byEmail(email: string): (User & { password_hash: string | null }) | undefined {
    return this.store.stmt('SELECT id, email, name, title, role, balance, password_hash FROM users WHERE email = ?')
      .get(email.toLowerCase()) as (User & { password_hash: string | null }) | undefined;
  }

  /** Creates the account, or updates name/password/role of an existing one with that email (seeding is rerun). */
  upsert(u: { email: string; name: string; title?: string; role: Role; password: string; balance?: number }): User {
    const existing = this.byEmail(u.email);
    const hash = hashPassword(u.password);
    if (existing) {
      this.store.stmt('UPDATE users SET name = ?, title = ?, role = ?, password_hash = ? WHERE id = ?')
        .run(u.name, u.title ?? null, u.role, hash, existing.id);
      return this.get(existing.id)!;
    }
    const id = newId('usr');
    this.store.stmt('INSERT INTO users (id, email, name, title, role, password_hash, balance, created_at) VALUES (?,?,?,?,?,?,?,?)')
      .run(id, u.email.toLowerCase(), u.name, u.title ?? null, u.role, hash, u.balance ?? 0, Date.now());
    return this.get(id)!;
  }
}
