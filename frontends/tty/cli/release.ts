// Reading a CodeVF release (latest.json, SHA256SUMS, tarballs) from CODEVF_RELEASE_URL: https, http or file.
// Used by `codevf self-update` and the once-a-day update notice; install.sh does the same in sh.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CliError } from './errors.js';

export const DEFAULT_RELEASE_URL = 'https://github.com/codevf/codevf/releases/latest/download';
const VERSION_RE = /^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/;

export const releaseUrl = (env: NodeJS.ProcessEnv) => (env.CODEVF_RELEASE_URL || DEFAULT_RELEASE_URL).replace(/\/+$/, '');

export async function download(url: string, timeoutMs = 60_000): Promise<Buffer> {
  if (url.startsWith('file://')) return readFile(fileURLToPath(url));
  if (!/^https?:\/\//.test(url)) throw new CliError(`Error: CODEVF_RELEASE_URL must start with https://, http:// or file:// (got ${url}).`);
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  if (!res.ok) throw new CliError(`Error: download failed: ${url} answered ${res.status}.`);
  return Buffer.from(await res.arrayBuffer());
}

/** The release's newest version, from its latest.json. */
export async function latestVersion(base: string, timeoutMs?: number): Promise<string> {
  const text = (await download(`${base}/latest.json`, timeoutMs)).toString('utf8');
  let v: unknown;
  try { v = (JSON.parse(text) as { version?: unknown }).version; } catch { v = undefined; }
  if (typeof v !== 'string' || !VERSION_RE.test(v)) throw new CliError(`Error: ${base}/latest.json does not name a version.`);
  return v;
}

/** -1, 0, 1 as semver orders them (a pre-release sorts before its release). */
export function compareVersions(a: string, b: string): number {
  const [ma, pa = ''] = a.split('-', 2);
  const [mb, pb = ''] = b.split('-', 2);
  const na = ma.split('.').map(Number);
  const nb = mb.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (na[i] !== nb[i]) return na[i] < nb[i] ? -1 : 1;
  if (pa === pb) return 0;
  if (!pa) return 1;
  if (!pb) return -1;
  return pa < pb ? -1 : 1;
}

/** The tarball of `version`, checked against SHA256SUMS; throws (nothing kept) on a missing or wrong sum. */
export async function verifiedTarball(base: string, version: string): Promise<{ name: string; bytes: Buffer; sha256: string }> {
  const name = `codevf-${version}.tgz`;
  const sums = (await download(`${base}/SHA256SUMS`)).toString('utf8');
  const expected = sums.split('\n').map((l) => l.trim().split(/\s+\*?/)).find(([, n]) => n === name)?.[0];
  if (!expected) throw new CliError(`Error: SHA256SUMS has no checksum for ${name}: nothing was installed.`);
  const bytes = await download(`${base}/${name}`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== expected.toLowerCase()) {
    throw new CliError(`Error: checksum mismatch for ${name} (expected ${expected}, got ${sha256}): the download is damaged or was tampered with. Nothing was installed.`);
  }
  return { name, bytes, sha256 };
}
