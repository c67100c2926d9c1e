// codevf doctor and codevf config, as a user runs them: the host given at login is remembered, config
// set/get/list round-trip, and doctor names the git, keyring, host and Node in use.
import { chmodSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { cleanEnv, codevf, tempHome } from './helpers.js';

let sb: Sandbox;
let home: Awaited<ReturnType<typeof tempHome>>;

test.before(async () => { sb = await startSandbox(); home = await tempHome('cvf-setup-'); });
test.after(async () => { await sb?.stop(); await home?.done(); });

test('the host given at login is remembered: the next command talks to it without --host', async () => {
  const env = cleanEnv(home.dir);
  const login = await codevf(['auth', 'login', '--with-token', '--host', sb.url], { env, input: `${sb.customerToken}\n` });
  assert.is(login.code, 0, login.stderr);
  const cfg = JSON.parse(await readFile(join(home.dir, '.config/codevf/config.json'), 'utf8'));
  assert.equal(cfg, { version: 1, host: sb.url });
  const st = await codevf(['auth', 'status', '--json'], { env });
  assert.is(st.code, 0, st.stderr);
  assert.is(JSON.parse(st.stdout).host, sb.url);
  const got = await codevf(['config', 'get', 'host'], { env });
  assert.equal([got.code, got.stdout], [0, `${sb.url}\n`]);
});

test('config set refuses plain http to another machine and unknown keys; list shows the source', async () => {
  const env = cleanEnv(home.dir);
  const http = await codevf(['config', 'set', 'host', 'http://example.com'], { env });
  assert.is(http.code, 1);
  assert.match(http.stderr, /Refusing plain http/);
  const bad = await codevf(['config', 'set', 'colour', 'x'], { env });
  assert.equal([bad.code, bad.stderr], [2, 'Unknown setting "colour". Keys: host.\n']);
  const set = await codevf(['config', 'set', 'host', 'api.example.com'], { env });
  assert.is(set.code, 0, set.stderr);
  const list = await codevf(['config', 'list'], { env: { ...env, CODEVF_HOST: sb.url } });
  assert.is(list.stdout, `host=${sb.url}  (env)\n`);
  const unset = await codevf(['config', 'unset', 'host'], { env });
  assert.is(unset.code, 0, unset.stderr);
  assert.is((await codevf(['config', 'get', 'host'], { env })).stdout, 'http://127.0.0.1:4780\n');
});

test('doctor names the git on PATH with the exec path it reports, the host and Node, and what is missing', async () => {
  const bin = join(home.dir, 'bin');
  await import('node:fs/promises').then((f) => f.mkdir(bin, { recursive: true }));
  writeFileSync(join(bin, 'git'), '#!/bin/sh\ncase "$1" in --exec-path) echo /opt/other-git/core;; --version) echo "git version 8.8.8";; esac\n');
  chmodSync(join(bin, 'git'), 0o755);
  const env = cleanEnv(home.dir, { PATH: `${bin}:${process.env.PATH}`, CODEVF_HOST: sb.url });
  const r = await codevf(['doctor', '--json'], { env });
  assert.is(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.equal(d.git, { ok: true, detail: 'git version 8.8.8 (on PATH)', fix: null, source: 'path', binary: 'git', execPath: '/opt/other-git/core', version: 'git version 8.8.8' });
  assert.equal([d.host.url, d.host.source, d.host.reachable], [sb.url, 'env', true]);
  assert.is(d.node.version, process.versions.node);
  assert.is(d.keyring.ok, false); // no session bus in this environment: the file store, said so
  assert.equal(d.missing, [`keyring: ${d.keyring.detail}. ${d.keyring.fix}`]);
  const down = await codevf(['doctor'], { env: { ...env, CODEVF_HOST: 'http://127.0.0.1:9' } });
  assert.match(down.stdout, /! host +http:\/\/127\.0\.0\.1:9 does not answer/);
});

test.run();
