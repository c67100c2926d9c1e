// The OS keyring for real on Linux: a private D-Bus session bus with gnome-keyring's Secret Service on
// it (unlocked, in a temporary HOME), and the agent as a process signing in against the sandbox. The
// token must live in the keyring, never in auth.json, survive a new agent, and be gone after logout.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AuthStatus, AuthToken, Login, Logout } from '../../protocol/index.js';
import { typedAgent } from '../helpers/agent.js';
import { api, tempEnv } from '../helpers/env.js';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';

const t = suite('Secret Service');
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const live = process.platform === 'linux' && have('dbus-daemon') && have('gnome-keyring-daemon') && have('dbus-send');
// CI installs both (.ci/run): there, a missing one is a failure, not a skip.
if (!live && process.env.CI) throw new Error('dbus-daemon and gnome-keyring-daemon are needed for the Secret Service tests');

let sb: Sandbox;
let bus: ChildProcess | undefined;
const home = tempEnv('http://127.0.0.1:9');
let busAddress = '';

async function startSecretService(): Promise<void> {
  bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  busAddress = await new Promise<string>((resolve, reject) => {
    let out = '';
    bus!.stdout!.on('data', (d: Buffer) => { out += d; if (out.includes('\n')) resolve(out.split('\n')[0].trim()); });
    bus!.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code})`)));
  });
  const runtime = join(home.home, 'run');
  await mkdir(runtime, { mode: 0o700 });
  const env = { ...process.env, HOME: home.home, XDG_RUNTIME_DIR: runtime, XDG_DATA_HOME: join(home.home, '.local/share'), DBUS_SESSION_BUS_ADDRESS: busAddress };
  // Without --foreground it returns once the login keyring is created and unlocked (with the password on
  // stdin), and it leaves when the bus goes away.
  const started = spawnSync('gnome-keyring-daemon', ['--unlock', '--components=secrets'], { env, input: 'test-keyring-password', timeout: 20_000 });
  if (started.status !== 0) throw new Error(`gnome-keyring-daemon failed: ${started.stderr}`);
  for (let i = 0; i < 100; i++) {
    const ping = spawnSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.DBus.Peer.Ping'], { env });
    if (ping.status === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the Secret Service did not come up on the private bus');
}

t.before(async () => {
  if (!live) return;
  sb = await startSandbox();
  await startSecretService();
});
t.after(async () => {
  bus?.kill(); // gnome-keyring-daemon leaves with its bus
  await sb?.stop();
  home.cleanup();
});

(live ? t : t.skip)('with a Secret Service on the bus the token goes to the keyring, not auth.json; a new agent finds it; logout removes it', async () => {
  const e = tempEnv(sb.url, { DBUS_SESSION_BUS_ADDRESS: busAddress, XDG_RUNTIME_DIR: join(home.home, 'run') });
  const pat = await api(sb.url, 'POST', '/api/cli/tokens', sb.customerToken, { name: 'keyring', scopes: ['profile', 'tokens'] });
  const a = await typedAgent({ env: e.env });
  const st = await a.request(Login, { token: pat.body.token });
  assert.equal([st.signedIn, st.tokenSource, st.store], [true, 'keyring', 'keyring'], existsSync(e.authFile) ? readFileSync(e.authFile, 'utf8') : 'no auth.json');
  assert.match(st.storeLocation ?? '', /Secret Service/);
  if (existsSync(e.authFile)) assert.not.match(readFileSync(e.authFile, 'utf8'), pat.body.token, 'the token is not in auth.json');
  await a.close();

  const b = await typedAgent({ env: e.env }); // a new process reads it back from the keyring
  assert.equal(await b.request(AuthToken, {}), { host: new URL(sb.url).origin, token: pat.body.token, tokenSource: 'keyring' });
  const out = await b.request(Logout, {});
  assert.equal([out.revoked, out.removedFrom.includes('keyring')], [true, true]);
  await b.close();

  const c = await typedAgent({ env: e.env });
  assert.is((await c.request(AuthStatus, {})).signedIn, false, 'nothing left in the keyring');
  await c.close();
  e.cleanup();
});

t.run();
