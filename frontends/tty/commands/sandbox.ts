// codevf sandbox: runs the reference backend with the given arguments: the one built beside this file
// (a checkout), else the codevf-sandbox package installed next to codevf.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { VERSION } from '../../../protocol/version.js';
import { binPath } from '../cli/bin.js';
import type { Ctx } from '../cli/context.js';
import { CliError } from '../cli/errors.js';

/** Where the sandbox entry is, or null when neither a build nor the package is there. */
export function sandboxEntry(): string | null {
  const built = binPath('sandbox.js');
  if (existsSync(built)) return built;
  try {
    const pkg = createRequire(import.meta.url).resolve('codevf-sandbox/package.json');
    const entry = join(dirname(pkg), 'dist', 'sandbox.js');
    return existsSync(entry) ? entry : null;
  } catch {
    return null;
  }
}

export const SANDBOX_MISSING = `Error: the sandbox (the reference backend) is a separate package and is not installed.
Install it beside codevf, from the same release as codevf:
  npm install -g ./codevf-sandbox-${VERSION}.tgz
It needs better-sqlite3: its install fetches a prebuilt binary from GitHub or compiles one (python3, make, a C++ compiler).
From a checkout of the repository: npm install && npm start`;

export async function sandbox(ctx: Ctx): Promise<undefined> {
  const path = sandboxEntry();
  if (!path) throw new CliError(SANDBOX_MISSING);
  const child = spawn(process.execPath, [path, ...ctx.rest], { stdio: 'inherit' });
  // Ctrl+C reaches the sandbox too (same process group); we only wait for it to close down.
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt).on('SIGTERM', onTerm);
  const code = await new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
  process.off('SIGINT', onInt).off('SIGTERM', onTerm);
  ctx.exitCode = code;
  return undefined;
}
