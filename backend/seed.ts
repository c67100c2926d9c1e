// Demo accounts for `npm start`: one customer with some credits, one engineer. Rerunning keeps balances.
import { CUSTOMER_SCOPES, ENGINEER_SCOPES } from '../protocol/backend/index.js';
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
    // Fresh tokens each start: only hashes are stored, so earlier ones cannot be shown again.
    const customerToken = s.tokens.createPat(customer.id, 'sandbox start (demo customer)', CUSTOMER_SCOPES, 30).token;
    const engineerToken = s.tokens.createPat(engineer.id, 'sandbox start (demo engineer)', ENGINEER_SCOPES, 30).token;
    return { customer, engineer, customerToken, engineerToken };
  });
}
