// Every backend path in one object: the sandbox registers these, the agent requests these.
import { fillPath } from './define.js';
import { accountRoutes } from './account.js';
import { authRoutes } from './auth.js';
import { projectRoutes } from './projects.js';
import { engineerRoutes, taskRoutes } from './tasks.js';
import { aiTaskRoutes } from './ai.js';

function page(pattern: string) {
  return { method: 'GET' as const, pattern, path: (...params: string[]) => fillPath(pattern, params) };
}

/** Browser pages (served by `backend/web/`); the API points users at them. */
export const pages = {
  home: page('/'),
  signIn: page('/sign-in'),
  device: page('/device'),
  checkout: page('/checkout/:checkoutId'),
  tokens: page('/tokens'),
  console: page('/console'),
};

export const routes = {
  auth: authRoutes,
  account: accountRoutes,
  projects: projectRoutes,
  tasks: { ...taskRoutes, ...aiTaskRoutes },
  engineer: engineerRoutes,
  pages,
};

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_COOKIE = 'cvf_session';
