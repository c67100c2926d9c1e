// Demo accounts for `npm start`: one customer with some credits, one engineer. Rerunning keeps balances.
import { CUSTOMER_SCOPES, ENGINEER_SCOPES } from '../protocol/backend/index.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Services } from './services.js';

export const DEMO_CUSTOMER = { email: 'demo@codevf.test', password: 'codevf-demo', name: 'Demo Customer' };
export const DEMO_ENGINEER = { email: 'maria@codevf.test', password: 'codevf-engineer', name: 'Maria', title: 'ex-FAANG' };

export const EXTRA_CUSTOMER = { email: 'other@codevf.test', password: 'codevf-other', name: 'Other Customer' };
export const EXTRA_ENGINEER = { email: 'sam@codevf.test', password: 'codevf-sam', name: 'Sam', title: 'SRE' };

export function seed(s: Services) {
  return s.store.tx(() => {
    const isNew = !s.users.byEmail(DEMO_CUSTOMER.email);
    const customer = s.users.upsert({ ...DEMO_CUSTOMER, role: 'customer', balance: isNew ? s.config.seedCredits : undefined });
    const engineer = s.users.upsert({ ...DEMO_ENGINEER, role: 'engineer' });
    if (s.config.seedExtra) {
      if (!s.users.byEmail(EXTRA_CUSTOMER.email)) s.users.upsert({ ...EXTRA_CUSTOMER, role: 'customer', balance: s.config.seedCredits });
      if (!s.users.byEmail(EXTRA_ENGINEER.email)) s.users.upsert({ ...EXTRA_ENGINEER, role: 'engineer' });
    }
    // The database keeps only hashes, so the demo tokens are kept (0600, in the 0700 data folder) to be shown
    // again: a restart reuses them while they are valid instead of adding two more tokens each time.
    const kept = readKept(s.config.dataDir);
    const reuse = (token: string | undefined, userId: string) => {
      if (!token) return undefined;
      try { return s.tokens.verify(token, ['pat']).userId === userId ? token : undefined; } catch { return undefined; }
    };
    const customerToken = reuse(kept.customerToken, customer.id)
      ?? s.tokens.createPat(customer.id, 'sandbox start (demo customer)', CUSTOMER_SCOPES, 30).token;
    const engineerToken = reuse(kept.engineerToken, engineer.id)
      ?? s.tokens.createPat(engineer.id, 'sandbox start (demo engineer)', ENGINEER_SCOPES, 30).token;
    writeFileSync(join(s.config.dataDir, DEMO_TOKENS_FILE), JSON.stringify({ customerToken, engineerToken }), { mode: 0o600 });
    return { customer, engineer, customerToken, engineerToken };
  });
}

const DEMO_TOKENS_FILE = 'demo-tokens.json';

function readKept(dataDir: string): { customerToken?: string; engineerToken?: string } {
  try {
    const v = JSON.parse(readFileSync(join(dataDir, DEMO_TOKENS_FILE), 'utf8'));
    return { customerToken: typeof v?.customerToken === 'string' ? v.customerToken : undefined,
      engineerToken: typeof v?.engineerToken === 'string' ? v.engineerToken : undefined };
  } catch { return {}; }
}
