import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { detectKeyring, KeyringError, osKeyring, secretServiceAvailable } from '../../agent/auth/keyring.js';
import { CredentialStore } from '../../agent/auth/store.js';
import { tempDirs } from '../project/helpers.js';

const tmp = tempDirs('codevf-keyring-');
test.after(tmp.cleanup);
// Only where no session bus exists can the real library be called without touching a user's keyring.
const headlessLinux = process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS;

test('Linux without a session bus uses no keyring (never the in-memory kernel keyring)', async () => {
  assert.is(await detectKeyring({ platform: 'linux', env: { PATH: process.env.PATH } }), null);
});

test('a session bus address where nothing answers means no Secret Service', async () => {
  const env = { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/codevf-test-bus' };
  assert.is(await secretServiceAvailable(env, 2000), false);
  assert.is(await detectKeyring({ platform: 'linux', env, timeoutMs: 2000 }), null);
});

test('macOS and Windows always use the OS keyring', async () => {
  assert.is((await detectKeyring({ platform: 'darwin' }))?.name, 'macOS Keychain');
  assert.is((await detectKeyring({ platform: 'win32' }))?.name, 'Windows Credential Manager');
});

(headlessLinux ? test : test.skip)('the real library pinned to the Secret Service fails cleanly here instead of using the kernel keyring', async () => {
  const k = osKeyring('linux');
  for (const call of [() => k.set('codevf-test', 'x'), () => k.get('codevf-test'), () => k.delete('codevf-test')]) {
    try {
      await call();
      assert.unreachable('a keyring call succeeded without a Secret Service');
    } catch (err) {
      assert.instance(err, KeyringError);
      assert.match((err as Error).message, /^Secret Service: (write|read|delete) failed: /);
    }
  }
});

(headlessLinux ? test : test.skip)('a store given the real (failing) keyring saves the token to the file and says why', async () => {
  const home = await tmp.make();
  const store = new CredentialStore({ env: { XDG_CONFIG_HOME: home }, keyring: osKeyring('linux') });
  const r = await store.save('http://127.0.0.1:9', { accessToken: 'cvf_real_keyring_test_token' });
  assert.equal([r.store, r.location], ['file', join(home, 'codevf', 'auth.json')]);
  assert.match(r.keyringError ?? '', /Secret Service: write failed/);
  assert.is((await store.load('http://127.0.0.1:9'))?.accessToken, 'cvf_real_keyring_test_token');
});

test.run();
