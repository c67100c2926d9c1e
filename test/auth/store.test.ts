import { chmod, mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Keyring } from '../../agent/auth/keyring.js';
import { CredentialStore, hostKey, maskToken } from '../../agent/auth/store.js';
import { RpcError } from '../../protocol/errors.js';
import { tempDirs } from '../project/helpers.js';

const tmp = tempDirs('codevf-auth-');
const xdg = tmp.make;
test.after(tmp.cleanup);

const HOST = 'http://127.0.0.1:8080';
const TOKEN = 'cvf_abcdefghijklmnopqrstuvwxyz1234';

// The OS keyring is outside this machine's reach (headless, no Secret Service): these stand in for it.
function memoryKeyring(): Keyring & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    name: 'Test Keyring', items,
    get: async (a) => items.get(a) ?? null,
    set: async (a, s) => { items.set(a, s); },
    delete: async (a) => items.delete(a),
  };
}
const failingKeyring: Keyring = {
  name: 'Broken Keyring',
  get: async () => { throw new Error('AccessDenied'); },
  set: async () => { throw new Error('AccessDenied'); },
  delete: async () => { throw new Error('AccessDenied'); },
};
const hangingKeyring: Keyring = {
  name: 'Hanging Keyring',
  get: () => new Promise(() => {}), set: () => new Promise(() => {}), delete: () => new Promise(() => {}),
};

function fileStore(home: string, env: NodeJS.ProcessEnv = {}) {
  return new CredentialStore({ env: { XDG_CONFIG_HOME: home, ...env }, keyring: null });
}

test('the file store writes auth.json 0600 inside a 0700 folder', async () => {
  const home = await xdg();
  const r = await fileStore(home).save(HOST, { accessToken: TOKEN, refreshToken: 'cvf_r', userId: 'u1' });
  assert.equal(r, { store: 'file', location: join(home, 'codevf', 'auth.json'), keyringError: undefined });
  assert.is((await stat(join(home, 'codevf'))).mode & 0o777, 0o700);
  assert.is((await stat(join(home, 'codevf', 'auth.json'))).mode & 0o777, 0o600);
});

test('an existing loose folder is tightened to 0700 and the file rewritten 0600', async () => {
  const home = await xdg();
  await mkdir(join(home, 'codevf'), { mode: 0o755 });
  await chmod(join(home, 'codevf'), 0o755);
  await writeFile(join(home, 'codevf', 'auth.json'), JSON.stringify({ version: 1, hosts: {} }), { mode: 0o644 });
  await fileStore(home).save(HOST, { accessToken: TOKEN });
  assert.is((await stat(join(home, 'codevf'))).mode & 0o777, 0o700);
  assert.is((await stat(join(home, 'codevf', 'auth.json'))).mode & 0o777, 0o600);
});

test('the default folder is ~/.config/codevf when XDG_CONFIG_HOME is unset or relative', async () => {
  const home = await xdg();
  const store = new CredentialStore({ env: { HOME: home, XDG_CONFIG_HOME: 'relative/path' }, keyring: null });
  assert.is(store.file.path, join(home, '.config', 'codevf', 'auth.json'));
});

test('writes are atomic: concurrent readers always see whole JSON and no temp file remains', async () => {
  const home = await xdg();
  const store = fileStore(home);
  await store.save(HOST, { accessToken: TOKEN });
  let stop = false;
  let reads = 0;
  const reader = (async () => {
    while (!stop) {
      JSON.parse(await readFile(store.file.path, 'utf8')); // throws on a torn file
      reads++;
    }
  })();
  for (let i = 0; i < 100; i++) await store.save(HOST, { accessToken: `${TOKEN}${i}`, userId: 'x'.repeat(i * 50) });
  stop = true;
  await reader;
  assert.ok(reads > 0);
  assert.equal(await readdir(join(home, 'codevf')), ['auth.json']);
  assert.is((await store.load(HOST))?.accessToken, `${TOKEN}99`);
});

test('several hosts are signed in at once and removed one at a time', async () => {
  const store = fileStore(await xdg());
  await store.save('http://127.0.0.1:8080/', { accessToken: 'cvf_one' });
  await store.save('https://API.codevf.com', { accessToken: 'cvf_two', userId: 'u2' });
  assert.equal(await store.hosts(), ['http://127.0.0.1:8080', 'https://api.codevf.com']);
  assert.equal(await store.load('api.codevf.com'), {
    host: 'https://api.codevf.com', source: 'file', location: store.file.path, userId: 'u2', accessToken: 'cvf_two',
  });
  assert.equal(await store.remove('http://127.0.0.1:8080'), { removed: ['file'], errors: [], envTokenSet: false });
  assert.is(await store.load('http://127.0.0.1:8080'), null);
  assert.is((await store.load('https://api.codevf.com'))?.accessToken, 'cvf_two');
});

test('concurrent saves from two stores (two agents) keep every host', async () => {
  const home = await xdg();
  const a = fileStore(home);
  const b = fileStore(home);
  const hosts = Array.from({ length: 20 }, (_, i) => `https://h${i}.example`);
  await Promise.all(hosts.map((h, i) => (i % 2 ? a : b).save(h, { accessToken: `cvf_${i}` })));
  assert.equal(await a.hosts(), [...hosts].sort());
  assert.equal(await readdir(join(home, 'codevf')), ['auth.json']);
});

test('a stale lock left by a crashed writer is broken', async () => {
  const home = await xdg();
  const store = fileStore(home);
  await store.save(HOST, { accessToken: TOKEN });
  const lock = join(home, 'codevf', 'auth.json.lock');
  await writeFile(lock, '');
  const old = new Date(Date.now() - 60_000);
  await utimes(lock, old, old);
  await store.save('https://other.example', { accessToken: TOKEN });
  assert.equal(await store.hosts(), [HOST, 'https://other.example']);
});

test('a working keyring holds the secret and the file records only that it is there', async () => {
  const home = await xdg();
  const keyring = memoryKeyring();
  const store = new CredentialStore({ env: { XDG_CONFIG_HOME: home }, keyring });
  assert.equal(await store.save(HOST, { accessToken: TOKEN, refreshToken: 'cvf_refresh', expiresAt: '2030-01-01T00:00:00.000Z' }),
    { store: 'keyring', location: 'Test Keyring' });
  const file = await readFile(store.file.path, 'utf8');
  assert.not.match(file, /cvf_/);
  assert.is(JSON.parse(file).hosts[HOST].store, 'keyring');
  const loaded = await store.load(HOST);
  assert.equal([loaded?.source, loaded?.accessToken, loaded?.refreshToken, loaded?.expiresAt],
    ['keyring', TOKEN, 'cvf_refresh', '2030-01-01T00:00:00.000Z']);
  assert.equal(await store.remove(HOST), { removed: ['keyring', 'file'], errors: [], envTokenSet: false });
  assert.is(keyring.items.size, 0);
});

test('a failing keyring never loses a fresh token: it goes to the file and the failure is recorded', async () => {
  const home = await xdg();
  const store = new CredentialStore({ env: { XDG_CONFIG_HOME: home }, keyring: failingKeyring });
  const r = await store.save(HOST, { accessToken: TOKEN });
  assert.is(r.store, 'file');
  assert.match(r.keyringError ?? '', /Broken Keyring: write failed: AccessDenied/);
  assert.match(JSON.parse(await readFile(store.file.path, 'utf8')).hosts[HOST].keyringError, /AccessDenied/);
  assert.equal([(await store.load(HOST))?.source, (await store.load(HOST))?.accessToken], ['file', TOKEN]);
  const removed = await store.remove(HOST);
  assert.equal(removed.removed, ['file']);
  assert.equal(removed.errors.map((e) => e.store), ['keyring']);
});

test('a hanging keyring is bounded by the timeout and the token still saved', async () => {
  const home = await xdg();
  const store = new CredentialStore({ env: { XDG_CONFIG_HOME: home }, keyring: hangingKeyring, timeoutMs: 50 });
  const r = await store.save(HOST, { accessToken: TOKEN });
  assert.equal([r.store, r.keyringError], ['file', 'Hanging Keyring: write timed out after 0.05 s']);
  assert.is((await store.load(HOST))?.accessToken, TOKEN);
});

test('when both the keyring and the file fail, the error says so without the token', async () => {
  const home = await xdg();
  await writeFile(join(home, 'codevf'), 'a file where the folder should be');
  const store = new CredentialStore({ env: { XDG_CONFIG_HOME: home }, keyring: failingKeyring });
  try {
    await store.save(HOST, { accessToken: TOKEN });
    assert.unreachable('save should fail');
  } catch (err) {
    assert.instance(err, RpcError);
    assert.is((err as RpcError).data.reason, 'credentials_not_saved');
    assert.match((err as RpcError).message, /AccessDenied; .*auth\.json: E[A-Z]+/);
    assert.not.match(JSON.stringify((err as RpcError).toJSON()), /cvf_abc/);
  }
});

test('CODEVF_TOKEN overrides stored tokens and is reported as the source, masked', async () => {
  const home = await xdg();
  await fileStore(home).save(HOST, { accessToken: 'cvf_stored_token_value_0000' });
  const store = fileStore(home, { CODEVF_TOKEN: TOKEN });
  assert.equal(await store.load(HOST), { host: HOST, accessToken: TOKEN, source: 'env', location: 'CODEVF_TOKEN' });
  assert.equal(await store.status(HOST), {
    host: HOST, source: 'env', location: 'CODEVF_TOKEN', signedIn: true, maskedToken: 'cvf_****1234',
    store: 'file', storeLocation: store.file.path,
  });
  assert.is((await store.remove(HOST)).envTokenSet, true);
});

test('status of a signed-out host names the store that would be used', async () => {
  const store = fileStore(await xdg());
  assert.equal(await store.status(HOST), { host: HOST, signedIn: false, store: 'file', storeLocation: store.file.path });
});

test('a corrupt auth.json is kept aside and a fresh token still saved', async () => {
  const home = await xdg();
  await mkdir(join(home, 'codevf'), { mode: 0o700 });
  await writeFile(join(home, 'codevf', 'auth.json'), '{ torn');
  const store = fileStore(home);
  await store.save(HOST, { accessToken: TOKEN });
  assert.is((await store.load(HOST))?.accessToken, TOKEN);
  assert.ok((await readdir(join(home, 'codevf'))).some((f) => f.startsWith('auth.json.corrupt-')));
});

test('maskToken shows the prefix and at most the last 4 characters', () => {
  assert.is(maskToken(TOKEN), 'cvf_****1234');
  assert.is(maskToken('cvf_short'), 'cvf_****');
  assert.is(maskToken('eyJhbGciOiJIUzI1NiJ9.payload.sig'), '****.sig');
  assert.is(maskToken(''), '');
});

test('hostKey normalises scheme, case, default port and trailing slash', () => {
  assert.is(hostKey('api.codevf.com'), 'https://api.codevf.com');
  assert.is(hostKey('HTTPS://API.codevf.com:443/'), 'https://api.codevf.com');
  assert.is(hostKey('http://localhost:8080/x'), 'http://localhost:8080');
});

test('after a keyring write failed, the newer file copy wins over an older keyring copy', async () => {
  const home = await xdg();
  const keyring = memoryKeyring();
  await new CredentialStore({ env: { XDG_CONFIG_HOME: home }, keyring }).save(HOST, { accessToken: 'cvf_old_token' });
  const flaky: Keyring = { ...keyring, set: async () => { throw new Error('locked'); } };
  const store = new CredentialStore({ env: { XDG_CONFIG_HOME: home }, keyring: flaky });
  assert.is((await store.save(HOST, { accessToken: 'cvf_new_token' })).store, 'file');
  assert.equal([(await store.load(HOST))?.accessToken, (await store.load(HOST))?.source], ['cvf_new_token', 'file']);
  assert.equal((await store.remove(HOST)).removed, ['keyring', 'file']);
  assert.is(await store.load(HOST), null);
});

test('a token recorded in a keyring that is not reachable now is a clear auth error', async () => {
  const home = await xdg();
  await new CredentialStore({ env: { XDG_CONFIG_HOME: home }, keyring: memoryKeyring() }).save(HOST, { accessToken: TOKEN });
  const store = fileStore(home);
  try {
    await store.load(HOST);
    assert.unreachable('load should fail');
  } catch (err) {
    assert.instance(err, RpcError);
    assert.is((err as RpcError).data.reason, 'keyring_unavailable');
  }
  const status = await store.status(HOST);
  assert.equal([status.signedIn, /keyring/.test(status.problem ?? '')], [false, true]);
});

test.run();
