// The release as a user meets it: `npm run release` output, install.sh from a file:// release into a fresh
// prefix, the installed bins from another folder, a tampered or unsummed tarball refused with nothing
// installed, too old a Node refused first, and an upgrade from an older release by `codevf self-update`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, chmodSync, mkdtempSync, rmSync, cpSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VERSION } from '../../protocol/version.js';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';

const ROOT = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'cvf-release-'));
const NEW = join(work, 'rel-new');
const OLD = join(work, 'rel-old');
const OLD_VERSION = '0.0.9';
let sb: Sandbox;

/** The environment of a user's shell: own HOME, npm answering from its cache where it can. */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = join(work, 'home');
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.state'),
    npm_config_prefer_offline: 'true', npm_config_cache: process.env.npm_config_cache || join(process.env.HOME ?? '', '.npm'), CODEVF_NO_UPDATE_NOTIFIER: '1' };
  for (const k of ['CODEVF_HOST', 'CODEVF_TOKEN', 'CODEVF_PREFIX', 'CODEVF_RELEASE_URL', 'CODEVF_VERSION', 'DBUS_SESSION_BUS_ADDRESS']) delete env[k];
  return { ...env, ...extra };
}

const sh = (script: string, env: NodeJS.ProcessEnv) => spawnSync('sh', [script], { env, encoding: 'utf8', cwd: work, timeout: 180_000 });
const installFrom = (release: string, prefix: string, extra: NodeJS.ProcessEnv = {}) =>
  sh(join(release, 'install.sh'), userEnv({ CODEVF_RELEASE_URL: pathToFileURL(release).href, CODEVF_PREFIX: prefix, ...extra }));
const bin = (prefix: string, name: string, args: string[], env: NodeJS.ProcessEnv = userEnv(), input?: string) =>
  spawnSync(join(prefix, 'bin', name), args, { env, encoding: 'utf8', cwd: tmpdir(), input, timeout: 60_000 });

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out); else out.push(p);
  }
  return out;
}

test.before(async () => {
  execFileSync(process.execPath, ['scripts/release.mjs', '--out', NEW], { cwd: ROOT, stdio: 'ignore' });
  execFileSync(process.execPath, ['scripts/release.mjs', '--out', OLD, '--version', OLD_VERSION], { cwd: ROOT, stdio: 'ignore' });
  sb = await startSandbox();
});
test.after(async () => { await sb?.stop(); rmSync(work, { recursive: true, force: true }); });

test('npm run release writes both tarballs, SHA256SUMS, latest.json and install.sh; the CLI tarball holds no tests or sources', () => {
  assert.equal(readdirSync(NEW).sort(), ['SHA256SUMS', `codevf-${VERSION}.tgz`, `codevf-sandbox-${VERSION}.tgz`, 'install.sh', 'latest.json']);
  const latest = JSON.parse(readFileSync(join(NEW, 'latest.json'), 'utf8'));
  const sums = Object.fromEntries(readFileSync(join(NEW, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.split('  ').reverse()));
  assert.equal(latest, { version: VERSION, files: sums });
  const files = execFileSync('tar', ['tzf', join(NEW, `codevf-${VERSION}.tgz`)], { encoding: 'utf8' }).trim().split('\n');
  assert.ok(files.includes('package/dist/codevf.js') && files.includes('package/LICENSE') && files.includes('package/CHANGELOG.md'));
  assert.equal(files.filter((f) => /\.test\.|\/test\/|\.ts$|\.ci\/|\/bench\/|sandbox\.js$|^package\/(backend|agent|rpc|protocol|frontends|scripts)\//.test(f)), []);
  const pkg = JSON.parse(execFileSync('tar', ['xzOf', join(NEW, `codevf-${VERSION}.tgz`), 'package/package.json'], { encoding: 'utf8' }));
  assert.equal([pkg.private, pkg.scripts, pkg.dependencies, pkg.optionalDependencies], [undefined, undefined, { '@napi-rs/keyring': pkg.dependencies['@napi-rs/keyring'] }, { dugite: pkg.optionalDependencies.dugite }]);
});

test('install.sh from a file:// release: verified, installed into the prefix; the bins work from any folder', async () => {
  const prefix = join(work, 'fresh');
  const r = installFrom(NEW, prefix);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, `Checksum OK (${JSON.parse(readFileSync(join(NEW, 'latest.json'), 'utf8')).files[`codevf-${VERSION}.tgz`]})`);
  assert.match(r.stdout, 'codevf auth login');
  assert.match(r.stdout, 'codevf auth status --json');
  assert.match(bin(prefix, 'codevf', ['--version']).stdout, `codevf version ${VERSION} (commit `);
  const doctor = bin(prefix, 'codevf', ['doctor', '--json'], userEnv({ CODEVF_HOST: sb.url }));
  assert.is(doctor.status, 0, doctor.stderr);
  const d = JSON.parse(doctor.stdout);
  assert.equal([d.git.ok, d.host.reachable, d.sandbox], [true, true, null]);
  const init = bin(prefix, 'codevf-agent', [], userEnv(), '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientInfo":{"name":"t","version":"1"}}}\n');
  assert.equal(JSON.parse(init.stdout.split('\n')[0]).result.serverInfo, { name: 'codevf-agent', version: VERSION });
  const env = userEnv({ CODEVF_HOST: sb.url, XDG_CONFIG_HOME: join(work, 'cfg-fresh') });
  const login = bin(prefix, 'codevf', ['auth', 'login', '--with-token'], env, sb.customerToken);
  assert.is(login.status, 0, login.stderr);
  const st = JSON.parse(bin(prefix, 'codevf', ['auth', 'status', '--json'], env).stdout);
  assert.equal([st.signedIn, st.host], [true, sb.url]);
  const sandbox = bin(prefix, 'codevf', ['sandbox']);
  assert.is(sandbox.status, 1);
  assert.match(sandbox.stderr, `npm install -g ./codevf-sandbox-${VERSION}.tgz`);
  const installed = walk(join(prefix, 'lib', 'node_modules'));
  assert.equal(installed.filter((f) => /better-sqlite3|\.test\.[jt]s$|\/codevf\/test\//.test(f)), []);
});

function tamperedRelease(name: string, change: (dir: string) => void): string {
  const dir = join(work, name);
  cpSync(NEW, dir, { recursive: true });
  change(dir);
  return dir;
}

test('a tampered tarball is refused, says why, and nothing is installed', () => {
  const bad = tamperedRelease('rel-tampered', (dir) => {
    const f = join(dir, `codevf-${VERSION}.tgz`);
    const bytes = readFileSync(f);
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(f, bytes);
  });
  const prefix = join(work, 'tampered-prefix');
  const r = installFrom(bad, prefix);
  assert.is(r.status, 1);
  assert.match(r.stderr, `checksum mismatch for codevf-${VERSION}.tgz`);
  assert.match(r.stderr, 'Nothing was installed.');
  assert.is(existsSync(prefix), false);
});

test('a tarball without a line in SHA256SUMS is refused and nothing is installed', () => {
  const bad = tamperedRelease('rel-nosum', (dir) => {
    const f = join(dir, 'SHA256SUMS');
    writeFileSync(f, readFileSync(f, 'utf8').split('\n').filter((l) => !l.includes(`codevf-${VERSION}.tgz`)).join('\n'));
  });
  const prefix = join(work, 'nosum-prefix');
  const r = installFrom(bad, prefix);
  assert.equal([r.status, r.stderr], [1, `codevf install: SHA256SUMS has no checksum for codevf-${VERSION}.tgz: nothing was installed.\n`]);
  assert.is(existsSync(prefix), false);
});

test('install.sh checks Node first: too old a Node is refused with the version it found', () => {
  const fake = join(work, 'old-node');
  mkdirSync(fake, { recursive: true });
  writeFileSync(join(fake, 'node'), '#!/bin/sh\ncase "$1" in -p) echo 18;; --version) echo v18.20.4;; esac\n');
  chmodSync(join(fake, 'node'), 0o755);
  const prefix = join(work, 'old-node-prefix');
  const r = installFrom(NEW, prefix, { PATH: `${fake}:${process.env.PATH}` });
  assert.equal([r.status, r.stdout, r.stderr], [1, '', 'codevf install: Node.js v18.20.4 is too old: codevf needs 20 or newer (22 or 24 recommended).\n']);
  assert.is(existsSync(prefix), false);
});

test('an upgrade from an older release: self-update --check reports it, a tampered one is refused, self-update installs it', () => {
  const prefix = join(work, 'upgrade');
  const old = installFrom(OLD, prefix);
  assert.is(old.status, 0, old.stderr);
  assert.match(bin(prefix, 'codevf', ['--version']).stdout, `codevf version ${OLD_VERSION} `);
  const env = userEnv({ CODEVF_RELEASE_URL: pathToFileURL(NEW).href });
  const check = bin(prefix, 'codevf', ['self-update', '--check', '--json'], env);
  assert.equal(JSON.parse(check.stdout), { current: OLD_VERSION, latest: VERSION, updateAvailable: true, updated: false, releaseUrl: pathToFileURL(NEW).href });
  const bad = join(work, 'rel-tampered');
  const refused = bin(prefix, 'codevf', ['self-update'], userEnv({ CODEVF_RELEASE_URL: pathToFileURL(bad).href }));
  assert.is(refused.status, 1);
  assert.match(refused.stderr, 'checksum mismatch');
  assert.match(bin(prefix, 'codevf', ['--version']).stdout, `codevf version ${OLD_VERSION} `);
  const up = bin(prefix, 'codevf', ['self-update'], env);
  assert.is(up.status, 0, up.stderr);
  assert.match(up.stderr, `Updated codevf ${OLD_VERSION} -> ${VERSION}`);
  assert.match(bin(prefix, 'codevf', ['--version']).stdout, `codevf version ${VERSION} `);
  assert.match(bin(prefix, 'codevf', ['self-update'], env).stderr, `codevf ${VERSION} is the latest version.`);
  assert.ok(statSync(join(prefix, 'bin', 'codevf-agent')).isFile());
});

test.run();
