// Reading a CodeVF release (latest.json, SHA256SUMS, tarballs) from CODEVF_RELEASE_URL: https, http or file.
// Used by `codevf self-update` and the once-a-day update notice; install.sh does the same in sh.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { HttpsTunnelAgent, HttpTunnelAgent, proxyFor } from '../../../platform/proxy.js';
import { VERSION } from '../../../protocol/version.js';
import { CliError } from './errors.js';

export const DEFAULT_RELEASE_URL = 'https://github.com/codevf/codevf/releases/latest/download';
const VERSION_RE = /^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/;

export const releaseUrl = (env: NodeJS.ProcessEnv) => (env.CODEVF_RELEASE_URL || DEFAULT_RELEASE_URL).replace(/\/+$/, '');

const MAX_REDIRECTS = 5;
const MAX_BYTES = 256 * 1024 * 1024;

/** A release file's bytes: file://, or http(s) through HTTPS_PROXY/HTTP_PROXY/NO_PROXY as the agent uses them
 *  (Node's fetch ignores them). Redirects are followed (at most 5, never from https down to http). */
export async function download(url: string, timeoutMs = 60_000, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  if (url.startsWith('file://')) return readFile(fileURLToPath(url));
  if (!/^https?:\/\//.test(url)) throw new CliError(`Error: CODEVF_RELEASE_URL must start with https://, http:// or file:// (got ${url}).`);
  const signal = AbortSignal.timeout(timeoutMs);
  let target = new URL(url);
  for (let hops = 0; ; hops++) {
    const res = await get(target, env, signal).catch((e: Error) => {
      throw new CliError(`Error: download failed: ${target.href}: ${signal.aborted ? `no answer within ${timeoutMs / 1000} s` : e.message}.`);
    });
    const location = res.headers.location;
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location) {
      res.resume();
      const next = new URL(location, target);
      if (hops >= MAX_REDIRECTS) throw new CliError(`Error: download failed: ${url} redirected more than ${MAX_REDIRECTS} times.`);
      if (!/^https?:$/.test(next.protocol) || (target.protocol === 'https:' && next.protocol !== 'https:')) {
        throw new CliError(`Error: download failed: ${target.href} redirected to ${next.protocol}// (refused).`);
      }
      target = next;
      continue;
    }
    if (res.statusCode !== 200) { res.resume(); throw new CliError(`Error: download failed: ${target.href} answered ${res.statusCode}.`); }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_BYTES) { res.destroy(); throw new CliError(`Error: download failed: ${target.href} is larger than ${MAX_BYTES >> 20} MiB.`); }
      chunks.push(c);
    }
    return Buffer.concat(chunks);
  }
}

function get(url: URL, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<http.IncomingMessage> {
  const secure = url.protocol === 'https:';
  const proxy = proxyFor(url, env);
  const tunnel = { timeoutMs: 30_000 };
  const agent = proxy ? (secure ? new HttpsTunnelAgent(proxy, tunnel) : new HttpTunnelAgent(proxy, tunnel)) : undefined;
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).get(url, { agent, signal, headers: { 'user-agent': `codevf/${VERSION}` } }, (res) => {
      res.once('close', () => agent?.destroy()); // a tunnel is used once: nothing keeps the CLI alive
      resolve(res);
    });
    req.on('error', (e: NodeJS.ErrnoException) => { agent?.destroy(); reject(new Error(e.code ?? e.message)); });
  });
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
