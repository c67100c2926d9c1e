// Accounts: customers and engineers, with scrypt password hashes.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Store } from './db.js';
import { newId } from './util.js';

export type Role = 'customer' | 'engineer';
export interface User { id: string; email: string; name: string; title: string | null; role: Role; balance: number }

const SCRYPT = { N: 16384, r: 8, p: 1 };

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, SCRYPT);
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`;
}

export function checkPassword(password: string, stored: string | null): boolean {
  const [kind, salt, key] = (stored ?? '').split('$');
  if (kind !== 'scrypt' || !salt || !key) return false;
  const want = Buffer.from(key, 'base64');
  const got = scryptSync(password, Buffer.from(salt, 'base64'), want.length, SCRYPT);
  return timingSafeEqual(want, got);
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
