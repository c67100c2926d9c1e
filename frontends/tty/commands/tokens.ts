// tokens list | create | revoke.
import { CUSTOMER_SCOPES, Scope } from '../../../protocol/backend/define.js';
import { TOKEN_KIND_LABEL } from '../../../protocol/token-kind.js';
import { CreateToken, ListTokens, RevokeToken } from '../../../protocol/methods/account.js';
import { bool, str, type Ctx } from '../cli/context.js';
import { cancelled, usage } from '../cli/errors.js';
import { needsFlag, Prompter } from '../cli/prompt.js';
import { table } from '../cli/table.js';

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '-');
const scopesText = (s: string[]) => (CUSTOMER_SCOPES.every((x) => s.includes(x)) && s.length === CUSTOMER_SCOPES.length ? 'all' : s.join(','));
// 100 columns: the names and scopes are cut to fit; --json has every field whole (and the prefix).
const FIT = { max: 100, shrink: [1, 3] };

export async function list(ctx: Ctx) {
  const r = await (await ctx.agent()).request(ListTokens, {});
  const c = ctx.io.out;
  if (!r.tokens.length) ctx.io.info('No tokens. Create one with: codevf tokens create --name NAME');
  else {
    ctx.io.data(table(['ID', 'NAME', 'KIND', 'SCOPES', 'EXPIRES', 'LAST USED', 'STATE'], r.tokens.map((t) => [
      t.id, t.name, TOKEN_KIND_LABEL[t.kind], scopesText(t.scopes), day(t.expiresAt), day(t.lastUsedAt),
      t.revokedAt ? c.red('revoked') : c.green('active'),
    ]), FIT));
  }
  return r;
}

export async function create(ctx: Ctx) {
  const name = str(ctx, 'name');
  if (!name) throw usage('Give the token a name.\nFor example: codevf tokens create --name ci --scopes tasks,projects');
  const scopes = (str(ctx, 'scopes') ?? 'profile,billing,projects,tasks,tokens').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = scopes.find((s) => !Scope.safeParse(s).success);
  if (bad) throw usage(`Unknown scope "${bad}". Scopes: ${Scope.options.join(', ')}.`);
  const days = str(ctx, 'expires-days');
  if (days !== undefined && !/^[1-9]\d*$/.test(days)) throw usage('--expires-days must be a whole number of days, 1 or more.');
  const t = await (await ctx.agent()).request(CreateToken, {
    name, scopes: scopes as Array<(typeof Scope.options)[number]>, ...(days ? { expiresInDays: Number(days) } : {}),
  });
  ctx.io.success(`Created token ${t.name} (${t.id}), expires ${day(t.expiresAt)}. It is shown only this once:`);
  ctx.io.data(t.token);
  return t;
}

export async function revoke(ctx: Ctx) {
  const all = bool(ctx, 'all') === true;
  const [tokenId, extra] = ctx.positionals;
  if (all === Boolean(tokenId) || extra) throw usage('Give one token id, or --all.\nFor example: codevf tokens revoke t_123');
  if (all && !bool(ctx, 'yes')) {
    if (!ctx.io.interactive) throw needsFlag('Revoke every token?', '--yes');
    const p = new Prompter(ctx.io);
    try {
      if (!await p.confirm('Revoke every token of your account? This signs out every machine', false)) throw cancelled();
    } finally { p.close(); }
  }
  const r = await (await ctx.agent()).request(RevokeToken, all ? { all: true } : { tokenId });
  ctx.io.success(`Revoked ${r.revoked} token${r.revoked === 1 ? '' : 's'}.`);
  return r;
}
