// codevf self-update [--check]: the release's latest version, verified against SHA256SUMS, installed with npm
// into the prefix this codevf runs from (as install.sh does).
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { VERSION } from '../../../protocol/version.js';
import { bool, type Ctx } from '../cli/context.js';
import { CliError } from '../cli/errors.js';
import { compareVersions, latestVersion, releaseUrl, verifiedTarball } from '../cli/release.js';

/** The npm prefix of a global install (`<prefix>/lib/node_modules/codevf/...`; on Windows `<prefix>\node_modules\codevf`). */
export function installPrefix(entry = process.argv[1] ?? ''): string | null {
  let real: string;
  try { real = realpathSync(entry); } catch { return null; }
  const marker = process.platform === 'win32' ? `${sep}node_modules${sep}codevf${sep}` : `${sep}lib${sep}node_modules${sep}codevf${sep}`;
  const at = real.lastIndexOf(marker);
  return at > 0 ? real.slice(0, at) : null;
}

function npmInstall(prefix: string, tarball: string): Promise<void> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  return new Promise((resolve, reject) => {
    execFile(npm, ['install', '--global', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', tarball],
      { shell: process.platform === 'win32' }, (err, _out, stderr) => {
        if (err) reject(new CliError(`Error: npm could not install the update into ${prefix}:\n${String(stderr).trim()}`));
        else resolve();
      });
  });
}

export async function selfUpdate(ctx: Ctx) {
  const base = releaseUrl(ctx.io.env);
  const latest = await latestVersion(base);
  const newer = compareVersions(latest, VERSION) > 0;
  const result = { current: VERSION, latest, updateAvailable: newer, updated: false, releaseUrl: base };
  if (!newer) {
    ctx.io.success(`codevf ${VERSION} is the latest version.`);
    return result;
  }
  if (bool(ctx, 'check')) {
    ctx.io.info(`codevf ${latest} is available (you have ${VERSION}). Run: codevf self-update`);
    return result;
  }
  const prefix = installPrefix();
  if (!prefix) {
    throw new CliError(`Error: this codevf does not run from an npm global install (${process.argv[1]}), so it cannot replace itself.\nUpdate a checkout with git pull && npm install; otherwise use install.sh.`);
  }
  ctx.io.info(`Downloading codevf ${latest} from ${base} ...`);
  const t = await verifiedTarball(base, latest);
  ctx.io.info(`Checksum OK (${t.sha256}).`);
  const dir = await mkdtemp(join(tmpdir(), 'codevf-update-'));
  try {
    await writeFile(join(dir, t.name), t.bytes);
    await npmInstall(prefix, join(dir, t.name));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  ctx.io.success(`Updated codevf ${VERSION} -> ${latest} in ${prefix}.`);
  return { ...result, updated: true };
}
