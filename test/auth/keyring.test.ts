import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectKeyring, secretServiceAvailable } from '../../agent/auth/keyring.js';

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

test.run();
