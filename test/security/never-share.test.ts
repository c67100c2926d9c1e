import assert from 'node:assert/strict';
import { test } from 'uvu';
import { neverShareReason } from '../../agent/security/never-share.js';

const REFUSED = [
  '.env', '.ENV', 'app/.env', '.env.local', '.env.production', '.Env.Local', '.envrc', 'infra/prod.tfvars', 'terraform.tfstate',
  'config/secrets.yml', 'config/master.key', 'config/credentials.yml.enc', 'certs/server.pem', 'tls/server.KEY', 'a.p12',
  'a.pfx', 'a.pkcs12', 'release.jks', 'app.keystore', 'signing.asc', 'backup.gpg', 'putty.ppk', 'id_rsa', 'ID_RSA',
  'keys/id_dsa', 'id_ecdsa', 'id_ed25519', 'deploy_rsa', 'host_ed25519', '.ssh/config', 'home/.ssh/known_hosts',
  '.gnupg/pubring.kbx', '.npmrc', 'web/.yarnrc.yml', '.pypirc', 'pip.conf', '.gem/credentials', '.cargo/credentials',
  '.cargo/credentials.toml', '.m2/settings.xml', 'gradle.properties', 'NuGet.Config', 'nuget.config', 'auth.json',
  '.aws/credentials', '.aws/config', '.azure/accessTokens.json', '.config/gcloud/credentials.db',
  'application_default_credentials.json', 'my-service-account-123.json', 'credentials.json', 'client_secret_abc.json',
  '.kube/config', 'kubeconfig', 'prod.kubeconfig', '.docker/config.json', '.dockercfg', '.s3cfg', '.git-credentials',
  '.netrc', '_netrc', '.pgpass', '.my.cnf', 'public/.htpasswd', 'vpn/office.ovpn', 'sftp-config.json',
  '.config/gh/hosts.yml', 'vault.kdb', 'vault.kdbx', 'login.keychain', 'pw.psafe3', '.bash_history', '.zsh_history',
  '.psql_history', '.mysql_history', 'db/app.sqlite', 'db.sqlite3', 'prod-dump.sql', 'backup_2024.sql', 'capture.pcap',
  '.config/codevf/auth.json', 'home\\user\\.ssh\\id_rsa', 'a/.ssh/deep/file',
];
const ALLOWED = [
  'README.md', '.env.example', '.env.sample', '.env.template', 'src/env.ts', 'environment.ts', 'id_rsa.pub',
  'db/migrations/001_init.sql', 'schema.sql', 'keyboard.ts', 'src/key.ts', 'docs/ssh.md', 'ssh/config',
  'config/settings.xml', 'aws/config', 'src/credentials.ts', 'tokens.go', '.github/workflows/ci.yml', 'package.json',
];

test('every never-share name of security.md section 4 is refused with a reason', () => {
  const missed = REFUSED.filter((p) => neverShareReason(p) === null);
  assert.deepEqual(missed, []);
});

test('ordinary source files and the .env templates are not on the list', () => {
  const hit = ALLOWED.filter((p) => neverShareReason(p) !== null).map((p) => `${p}: ${neverShareReason(p)}`);
  assert.deepEqual(hit, []);
});

test('the reason names the kind of file and the matched name', () => {
  assert.equal(neverShareReason('keys/id_rsa'), 'private key (id_rsa)');
  assert.equal(neverShareReason('.ssh/config'), 'SSH folder (.ssh/)');
  assert.equal(neverShareReason('.ENV'), 'environment file (.env)');
  assert.equal(neverShareReason('x/.config/codevf/a'), "CodeVF's credentials folder (.config/codevf/)");
});

test.run();
