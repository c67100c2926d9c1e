// The HTTP client, credentials store and init against the real reference backend over loopback HTTP.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CredentialStore } from '../../agent/auth/store.js';
import { HttpClient } from '../../agent/net/http.js';
import { initProject, type InitSettings, readProjectConfig } from '../../agent/project/config.js';
import { accountRoutes, projectRoutes } from '../../protocol/backend/index.js';
import { ErrorCode } from '../../protocol/errors.js';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { rejection, tempDirs } from '../project/helpers.js';

let sb: Sandbox;
const tmp = tempDirs('codevf-net-sandbox-');
const clients: HttpClient[] = [];
function client(token: string): HttpClient {
  const c = new HttpClient({ baseUrl: sb.url, token: () => token, env: {} });
  clients.push(c);
  return c;
}

test.before(async () => { sb = await startSandbox(); });
test.after(async () => {
  clients.forEach((c) => c.close());
  await sb?.stop();
  await tmp.cleanup();
});

test('a valid token reads the account through a declared endpoint', async () => {
  const me = await client(sb.customerToken).call(accountRoutes.me);
  assert.type(me, 'object');
});

test('a rejected token is auth_required telling to run codevf login', async () => {
  const err = await rejection(client('cvf_not_a_real_token_000000000000').call(accountRoutes.me));
  assert.equal([err.code, err.message, err.data.reason], [ErrorCode.AuthRequired, 'Authentication failed. Please run: codevf login', 'auth_required']);
  assert.not.match(JSON.stringify(err.toJSON()), 'cvf_not_a_real');
});

test("the backend's validation error keeps its code and message", async () => {
  const err = await rejection(client(sb.customerToken).request('POST', projectRoutes.init.path(), { body: { name: '' } }));
  assert.is(err.code, ErrorCode.BackendError);
  assert.type(err.data.backendCode, 'string');
  assert.is(err.data.status, 400);
  assert.ok(err.message.length > 0 && !/HTTP 400/.test(err.message), err.message);
});

test('init registers with the backend once and a second run keeps the id', async () => {
  const dir = await tmp.make();
  await writeFile(join(dir, 'package.json'), JSON.stringify({ scripts: { test: 'uvu', build: 'tsc' } }));
  const api = client(sb.customerToken);
  let registrations = 0;
  const register = async (s: InitSettings, d: { type: string }) => {
    registrations++;
    const p = await api.call(projectRoutes.init, { body: {
      name: 'demo', type: d.type, testCommand: s.testCommand ?? undefined, buildCommand: s.buildCommand ?? undefined,
      allowedAiTools: s.allowedTools, uploadCode: s.repoUploaded, codevfBranchOnly: s.branchMode === 'codevf',
    } });
    return p.projectId;
  };
  const first = await initProject(dir, { allowedTools: ['claude'] }, { register });
  const second = await initProject(dir, {}, { register });
  assert.is(registrations, 1);
  assert.equal(second.config, first.config);
  assert.equal((await readProjectConfig(dir)).testCommand, 'npm test');
  const onServer = await api.call(projectRoutes.get, { params: [first.config.projectId] });
  assert.equal([onServer.projectId, onServer.type, onServer.allowedAiTools], [first.config.projectId, 'node', ['claude']]);
});

test('a token saved in the store authenticates the client', async () => {
  const store = new CredentialStore({ env: { XDG_CONFIG_HOME: await tmp.make() }, keyring: null });
  await store.save(sb.url, { accessToken: sb.customerToken });
  const c = new HttpClient({ baseUrl: sb.url, env: {}, token: async () => (await store.load(sb.url))?.accessToken });
  clients.push(c);
  await c.call(accountRoutes.me);
});

test.run();
