// codevf config get|set|list: the user's settings, kept by the agent in $XDG_CONFIG_HOME/codevf/config.json.
import { ConfigKey, GetConfig, SetConfig } from '../../../protocol/methods/setup.js';
import type { Ctx } from '../cli/context.js';
import { usage } from '../cli/errors.js';

function key(ctx: Ctx, name: string | undefined): 'host' {
  if (!name) throw usage(`Which setting? Keys: ${ConfigKey.options.join(', ')}.\nFor example: codevf config get host`);
  const k = ConfigKey.safeParse(name);
  if (!k.success) throw usage(`Unknown setting "${name}". Keys: ${ConfigKey.options.join(', ')}.`);
  return k.data;
}

export async function get(ctx: Ctx) {
  const r = await (await ctx.agent()).request(GetConfig, { key: key(ctx, ctx.positionals[0]) });
  const e = r.entries[0];
  ctx.io.data(e.effective);
  if (e.source !== 'config') ctx.io.info(ctx.io.err.dim(`(from ${e.source}${e.value ? `; ${r.path} says ${e.value}` : ''})`));
  return r;
}

export async function set(ctx: Ctx) {
  const [name, value, extra] = ctx.positionals;
  const k = key(ctx, name);
  if (value === undefined || extra !== undefined) throw usage(`Give one value.\nFor example: codevf config set ${k} https://api.codevf.com`);
  const r = await (await ctx.agent()).request(SetConfig, { key: k, value });
  const e = r.entries[0];
  ctx.io.success(`Set ${k} to ${e.value} in ${r.path}.`);
  if (e.source !== 'config') ctx.io.warn(`${e.source === 'env' ? 'CODEVF_HOST' : '--host'} overrides it for now (${e.effective}).`);
  return r;
}

export async function unset(ctx: Ctx) {
  const r = await (await ctx.agent()).request(SetConfig, { key: key(ctx, ctx.positionals[0]), value: null });
  ctx.io.success(`Removed ${ctx.positionals[0]} from ${r.path}.`);
  return r;
}

export async function list(ctx: Ctx) {
  const r = await (await ctx.agent()).request(GetConfig, {});
  ctx.io.data(r.entries.map((e) => `${e.key}=${e.effective}${e.source === 'config' ? '' : `  (${e.source})`}`).join('\n'));
  return r;
}
