// The never-share list (security.md section 4): files no engineer sees unless the customer shares that one
// file explicitly. Applies to file requests and snapshots. Matching is case-insensitive (`.ENV` on macOS).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { isInside } from './paths.js';

type Rule = { re: RegExp; why: string };

/** Exact file names (last component), lowercase. */
const NAMES: Record<string, string> = {
  '.env': 'environment file', '.envrc': 'environment file', 'secrets.yml': 'secrets file', 'secrets.yaml': 'secrets file',
  'credentials.yml.enc': 'Rails encrypted credentials',
  id_rsa: 'private key', id_dsa: 'private key', id_ecdsa: 'private key', id_ed25519: 'private key',
  '.npmrc': 'registry credentials', '.yarnrc.yml': 'registry credentials', '.pypirc': 'registry credentials',
  'pip.conf': 'registry credentials', 'gradle.properties': 'registry credentials', 'nuget.config': 'registry credentials',
  'auth.json': 'registry credentials (composer)',
  'application_default_credentials.json': 'cloud credentials', 'credentials.json': 'cloud credentials',
  kubeconfig: 'Kubernetes credentials', '.dockercfg': 'Docker credentials', '.s3cfg': 'S3 credentials',
  '.git-credentials': 'git credentials', '.netrc': 'netrc credentials', _netrc: 'netrc credentials',
  '.pgpass': 'PostgreSQL password file', '.my.cnf': 'MySQL credentials', '.htpasswd': 'password file',
  'sftp-config.json': 'SFTP credentials',
  '.bash_history': 'shell history', '.zsh_history': 'shell history', '.psql_history': 'shell history',
  '.mysql_history': 'shell history', '.fslckout': 'Fossil metadata', '_fossil_': 'Fossil metadata',
};

/** Patterns on the last component, lowercase. */
const NAME_PATTERNS: Rule[] = [
  { re: /^\.env\.(?!(?:example|sample|template)$)/, why: 'environment file' }, // .env.example and co. are templates
  { re: /\.(tfvars|tfvars\.json|tfstate|tfstate\.backup)$/, why: 'Terraform secrets' },
  { re: /\.(pem|key|p12|pfx|pkcs12|jks|keystore|asc|gpg|ppk)$/, why: 'key or certificate' },
  { re: /_(rsa|dsa|ecdsa|ed25519)$/, why: 'private key' },
  { re: /service-account.*\.json$/, why: 'cloud credentials' },
  { re: /^client_secret.*\.json$/, why: 'OAuth client secret' },
  { re: /\.kubeconfig$/, why: 'Kubernetes credentials' },
  { re: /\.ovpn$/, why: 'VPN profile' },
  { re: /\.(kdb|kdbx|keychain|keychain-db|psafe3)$/, why: 'password store' },
  { re: /\.(sqlite|sqlite3|pcap|pcapng|dump)$/, why: 'database or capture dump' },
  // `*.sql` dumps only: schema files and migrations are ordinary source.
  { re: /(dump|backup|\bbak\b).*\.sql(\.gz)?$|\.sql\.gz$/, why: 'SQL dump' },
];
// All of them in one test: most names match none, and one regex is far cheaper than eleven.
const ANY_NAME_PATTERN = new RegExp(NAME_PATTERNS.map((r) => `(?:${r.re.source})`).join('|'));

/** Trailing component sequences (folder/file), lowercase. */
const SUFFIXES: Record<string, string> = {
  'config/master.key': 'Rails master key', '.gem/credentials': 'registry credentials',
  '.cargo/credentials': 'registry credentials', '.cargo/credentials.toml': 'registry credentials',
  '.m2/settings.xml': 'registry credentials', '.aws/credentials': 'cloud credentials', '.aws/config': 'cloud credentials',
  '.kube/config': 'Kubernetes credentials', '.docker/config.json': 'Docker credentials',
  '.config/gh/hosts.yml': 'GitHub CLI credentials',
};

/** Folders whose whole content is refused, as component sequences, lowercase. */
const FOLDERS: Record<string, string> = {
  '.ssh': 'SSH folder', '.gnupg': 'GnuPG folder', '.azure': 'Azure credentials folder',
  '.config/gcloud': 'Google Cloud credentials folder', '.config/codevf': "CodeVF's credentials folder",
  // Version-control metadata: objects and packs hold every committed secret, compressed past the redactor.
  '.git': 'git metadata', '.hg': 'Mercurial metadata', '.svn': 'Subversion metadata', '.bzr': 'Bazaar metadata',
  _darcs: 'Darcs metadata', '.jj': 'Jujutsu metadata',
};

// Split once: the checks run for every file of a snapshot.
const SUFFIX_SEQS = Object.entries(SUFFIXES).map(([k, why]) => ({ name: k, seq: k.split('/'), why }));
const FOLDER_SEQS = Object.entries(FOLDERS).map(([k, why]) => ({ name: k, seq: k.split('/'), why }));

// Plain loops: this runs for every file of a snapshot, often before V8 has optimised anything.
function splitLower(relPath: string): string[] {
  const parts: string[] = [];
  for (const c of relPath.toLowerCase().split(/[\\/]/)) if (c !== '' && c !== '.') parts.push(c);
  return parts;
}

function endsWithSeq(parts: string[], seq: string[], at: number): boolean {
  const start = at - seq.length + 1;
  if (start < 0) return false;
  for (let i = 0; i < seq.length; i++) if (parts[start + i] !== seq[i]) return false;
  return true;
}

function folderReason(dirs: string[]): string | null {
  for (let i = 0; i < dirs.length; i++) {
    for (const f of FOLDER_SEQS) if (endsWithSeq(dirs, f.seq, i)) return `${f.why} (${f.name}/)`;
  }
  return null;
}

/** Why `relPath` (relative to the project, `/` or `\` separators) is never shared, or null if it may be. */
export function neverShareReason(relPath: string): string | null {
  const parts = splitLower(relPath);
  if (parts.length === 0) return null;
  const name = parts[parts.length - 1];
  const inFolder = folderReason(parts.slice(0, -1));
  if (inFolder) return inFolder;
  if (NAMES[name]) return `${NAMES[name]} (${name})`;
  for (const f of SUFFIX_SEQS) if (endsWithSeq(parts, f.seq, parts.length - 1)) return `${f.why} (${f.name})`;
  if (ANY_NAME_PATTERN.test(name)) for (const rule of NAME_PATTERNS) if (rule.re.test(name)) return `${rule.why} (${name})`;
  return null;
}

/** CodeVF's own credentials folder on this machine: refused always, even with an override. */
export function codevfCredentialsDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(base, 'codevf');
}

/** The credentials folder as configured and as its real path (they differ when a parent is a link). */
export function credentialsDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = codevfCredentialsDir(env);
  try { return [dir, fs.realpathSync(dir)]; } catch { return [dir]; } // not created yet
}

/** True when `absPath` (already realpath'd) lies inside CodeVF's credentials folder. */
export function isInCredentialsDir(absPath: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return credentialsDirs(env).some((d) => isInside(d, absPath));
}

/** Magic bytes of formats whose content the redactor cannot read (it would go out unredacted). */
const CONTAINERS: Array<{ magic: number[]; why: string }> = [
  { magic: [0x1f, 0x8b], why: 'gzip' },
  { magic: [0x50, 0x4b, 0x03, 0x04], why: 'zip' }, { magic: [0x50, 0x4b, 0x05, 0x06], why: 'zip' },
  { magic: [0x50, 0x4b, 0x07, 0x08], why: 'zip' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], why: 'xz' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], why: 'zstd' },
  { magic: [0x04, 0x22, 0x4d, 0x18], why: 'lz4' },
  { magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], why: '7-zip' },
  { magic: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], why: 'rar' },
  { magic: [0x50, 0x41, 0x43, 0x4b, 0x00, 0x00, 0x00], why: 'git pack' },
  { magic: [0xff, 0x74, 0x4f, 0x63], why: 'git pack index' },
];

/** A zlib stream (git loose objects): a valid header, and the start of it inflates. Text starting "x^" does not. */
function isZlib(head: Buffer): boolean {
  if (head.length < 2 || head[0] !== 0x78 || ((head[0] << 8) | head[1]) % 31 !== 0) return false;
  try {
    zlib.inflateSync(head, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    return true;
  } catch {
    return false;
  }
}

/** Why content beginning with `head` is never shared by default (a compressed container), or null. */
export function containerReason(head: Buffer): string | null {
  for (const c of CONTAINERS) {
    if (head.length >= c.magic.length && c.magic.every((b, i) => head[i] === b)) return `compressed content the redactor cannot read (${c.why})`;
  }
  // bzip2: "BZh", a block size digit, then a block or end-of-stream marker (text may start with "BZh").
  if (head.length >= 5 && head.subarray(0, 3).toString('latin1') === 'BZh' && head[3] >= 0x31 && head[3] <= 0x39 && (head[4] === 0x31 || head[4] === 0x17)) {
    return 'compressed content the redactor cannot read (bzip2)';
  }
  return isZlib(head) ? 'compressed content the redactor cannot read (zlib, e.g. a git object)' : null;
}
