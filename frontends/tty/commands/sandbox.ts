// codevf sandbox: runs the reference backend (dist/sandbox.js beside this file) with the given arguments.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { binPath } from '../cli/bin.js';
import type { Ctx } from '../cli/context.js';
import { CliError } from '../cli/errors.js';

export async function sandbox(ctx: Ctx): Promise<undefined> {
  const path = binPath('sandbox.js');
  if (!existsSync(path)) throw new CliError(`Error: the sandbox is not built (${path} is missing).\nPlease run: npm run build`);
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
