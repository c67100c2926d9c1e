// Shared steps for the backend tests: accounts besides the seeded demo ones, tasks with an engineer.
import { randomUUID } from 'node:crypto';
import { CSRF_HEADER, DEVICE_GRANT, routes } from '../../protocol/backend/index.js';
import { ScriptedEngineer, TaskSocket } from '../helpers/engineer.js';
import { api, type Sandbox } from '../helpers/sandbox.js';

export const OTHER_CUSTOMER = { email: 'other@codevf.test', password: 'codevf-other' };
export const OTHER_ENGINEER = { email: 'sam@codevf.test', password: 'codevf-sam' };
export const key = () => ({ 'idempotency-key': randomUUID() });

/** Waits for `p`, failing after a generous bound (not a measurement) so a missing close fails instead of hanging. */
export function soon<T>(p: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Signs in on the web API and returns the session cookie and CSRF token. */
export async function signIn(url: string, email: string, password: string) {
  const res = await fetch(url + routes.auth.signIn.path(), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
  });
  const body = await res.json() as any;
  const cookie = String(res.headers.get('set-cookie') ?? '').split(';')[0];
  return { status: res.status, body, cookie, csrf: body.csrfToken as string, headers: res.headers };
}

/** A fresh PAT for an account (its id and token), created through its web session. */
export async function patFor(url: string, who: { email: string; password: string }, scopes: string[]) {
  const s = await signIn(url, who.email, who.password);
  const r = await api(url, 'POST', routes.auth.createToken.path(), {
    body: { name: 'test', scopes }, headers: { cookie: s.cookie, [CSRF_HEADER]: s.csrf },
  });
  if (r.status !== 200) throw new Error(`token creation failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.id as string, token: r.body.token as string, session: s };
}

/** A fresh PAT for an account, created through its web session (sandbox started with --seed-extra). */
export async function tokenFor(url: string, who: { email: string; password: string }, scopes: string[]) {
  return (await patFor(url, who, scopes)).token;
}

export async function createTask(sb: Sandbox, issue = 'users cannot log in', token = sb.customerToken) {
  const r = await api(sb.url, 'POST', routes.tasks.create.path(), { token, body: { issue } });
  if (r.status !== 200) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.taskId as string;
}

/** A task claimed by the demo engineer, with both sockets open. */
export async function liveTask(sb: Sandbox) {
  const taskId = await createTask(sb);
  const engineer = new ScriptedEngineer(sb.url, sb.engineerToken);
  await engineer.claim(taskId);
  const customer = await TaskSocket.open(sb.url + routes.tasks.events.path(taskId), sb.customerToken);
  await engineer.connect(taskId);
  await customer.waitFor('engineer_connected');
  return { taskId, engineer, customer };
}

export function post(sb: Sandbox, path: string, body: unknown, headers: Record<string, string> = key(), token = sb.customerToken) {
  return api(sb.url, 'POST', path, { token, body, headers });
}

/** A device login (access + refresh token) approved by the demo customer's token. */
export async function deviceLogin(sb: Sandbox, clientName: string): Promise<{ access_token: string; refresh_token: string }> {
  const start = await api(sb.url, 'POST', routes.auth.deviceStart.path(), { body: { client_name: clientName } });
  await post(sb, routes.auth.deviceApprove.path(), { user_code: start.body.user_code, decision: 'approve' }, {});
  const r = await api(sb.url, 'POST', routes.auth.token.path(), { body: { grant_type: DEVICE_GRANT, device_code: start.body.device_code } });
  if (r.status !== 200) throw new Error(`device login failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
