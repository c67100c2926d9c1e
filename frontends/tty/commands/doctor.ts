// codevf doctor: what this installation uses (through the agent's `doctor`) and what is missing.
import { Doctor } from '../../../protocol/methods/setup.js';
import { VERSION } from '../../../protocol/version.js';
import type { Ctx } from '../cli/context.js';
import { sandboxEntry } from './sandbox.js';

export async function doctor(ctx: Ctx) {
  const r = await (await ctx.agent()).request(Doctor, {});
  const sandbox = sandboxEntry();
  const c = ctx.io.out;
  const mark = (ok: boolean) => (ok ? c.green('✓') : c.yellow('!'));
  const row = (label: string, check: { ok: boolean; detail: string; fix: string | null }) =>
    `${mark(check.ok)} ${label.padEnd(8)} ${check.detail}${check.fix ? `\n  ${' '.repeat(8)} ${c.dim(check.fix)}` : ''}`;
  ctx.io.data([
    `codevf ${VERSION}`,
    row('Node', { ...r.node, detail: `${r.node.detail} (${r.node.path})` }),
    row('git', { ...r.git, detail: r.git.ok ? `${r.git.detail}, exec path ${r.git.execPath}` : r.git.detail }),
    row('keyring', r.keyring),
    row('host', { ...r.host, detail: `${r.host.detail} (from ${r.host.source})` }),
    row('sandbox', sandbox
      ? { ok: true, detail: sandbox, fix: null }
      : { ok: true, detail: 'not installed (optional: only for a local backend)', fix: 'npm install -g codevf-sandbox-<version>.tgz from the release' }),
    r.missing.length ? `\n${r.missing.length} to look at.` : '\nEverything codevf needs is there.',
  ].join('\n'));
  return { version: VERSION, ...r, sandbox };
}
