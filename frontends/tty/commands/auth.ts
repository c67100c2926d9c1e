// login (device flow or a token), logout, auth status, auth refresh, auth token.
import { AuthRefresh, AuthStatus, AuthToken, Login, LoginCode, Logout, type AuthStatusResult } from '../../../protocol/methods/account.js';
import type * as z from 'zod';
import { bool, type Ctx } from '../cli/context.js';
import { CliError, EXIT, isRpcError, usage } from '../cli/errors.js';

type Status = z.output<typeof AuthStatusResult>;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Paste your token, then press Enter and Ctrl+D:\n');
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.trim();
}

export async function login(ctx: Ctx) {
  const withToken = bool(ctx, 'with-token');
  if (withToken && ctx.token) throw usage('Give the token one way: --with-token (stdin) or --token, not both.');
  const token = withToken ? await readStdin() : ctx.token;
  if (withToken && !token) throw usage('No token on stdin.\nFor example: codevf login --with-token < token.txt');
  const { io } = ctx;
  const openBrowser = !token && io.interactive && bool(ctx, 'browser') !== false;
  const agent = await ctx.agent({ openBrowser });
  agent.on(LoginCode, (c) => {
    io.info(`${io.err.yellow('!')} First copy your one-time code: ${io.err.bold(c.userCode)}`);
    if (c.browserOpened) io.info(`Opened ${c.verificationUri} in your browser; enter the code there.`);
    else {
      if (c.browserError) io.info(`Could not open a browser here (${c.browserError}).`);
      io.info(`Open this URL in your browser and enter the code: ${c.verificationUriComplete}`);
    }
    io.info(io.err.dim('Waiting for approval... (Ctrl+C to cancel)'));
  });
  const st = await agent.request(Login, { ...(token ? { token } : {}), openBrowser }).catch((e: unknown) => {
    // "Please run: codevf login" would send someone who just did in a circle.
    if (token && isRpcError(e) && e.data.reason === 'auth_required') {
      throw new CliError('Error: The server rejected this token (wrong, expired or revoked). Nothing was stored.\n'
        + 'Check that you copied all of it, create a new one (codevf tokens create), or sign in with the browser: codevf login', EXIT.auth, 'token_rejected');
    }
    throw e;
  });
  if (!st.signedIn) throw new CliError('Error: Authentication failed.\nPlease run: codevf login', EXIT.auth, 'auth_required');
  io.success(`Logged in to ${st.host} as ${io.err.bold(st.user?.name ?? 'unknown')}${st.user ? ` (${st.user.email})` : ''}.`);
  if (st.tokenSource === 'env') io.warn('CODEVF_TOKEN is set and takes precedence over the stored token.');
  return st;
}

export async function logout(ctx: Ctx) {
  const { io } = ctx;
  const agent = await ctx.agent();
  const r = await agent.request(Logout, {});
  const where = r.removedFrom.length ? ` Removed the local copy (${r.removedFrom.join(', ')}).` : '';
  io.success(`Logged out of ${r.host}.${r.revoked ? ' The token was revoked on the server.' : ''}${where}`);
  if (r.envTokenSet) io.warn('CODEVF_TOKEN is still set in your environment: unset it to sign out completely.');
  return r;
}

function describe(ctx: Ctx, st: Status): string {
  const c = ctx.io.out;
  if (!st.signedIn) return `${st.host}\n  ${c.red('X')} Not logged in. Run: codevf login`;
  const source = st.tokenSource === 'env' ? 'CODEVF_TOKEN' : `${st.tokenSource} (${st.storeLocation})`;
  return [
    st.host,
    `  ${c.green('✓')} Logged in as ${c.bold(st.user?.name ?? 'unknown')}${st.user ? ` (${st.user.email}, ${st.user.role})` : ''}`,
    `  - Token: ${st.maskedToken ?? '-'} from ${source}`,
    `  - Scopes: ${st.scopes.length ? st.scopes.join(', ') : '-'}`,
    `  - Expires: ${st.expiresAt ?? 'never'}`,
  ].join('\n');
}

/** The other hosts this machine holds a token for, as gh lists them (checked locally, not against the host). */
function others(ctx: Ctx, st: Status): string[] {
  const c = ctx.io.out;
  return (st.hosts ?? []).filter((h) => h.host !== st.host).map((h) => (h.signedIn
    ? `\n${h.host}${h.active ? ' (active)' : ''}\n  ${c.green('✓')} Token stored${h.login ? ` for ${h.login}` : ''}: ${h.maskedToken ?? '-'} (${h.tokenSource}), expires ${h.expiresAt ?? 'never'}`
    : `\n${h.host}${h.active ? ' (active)' : ''}\n  ${c.red('X')} Not logged in`));
}

export async function status(ctx: Ctx) {
  const st = await (await ctx.agent()).request(AuthStatus, {});
  ctx.io.data([describe(ctx, st), ...others(ctx, st)].join('\n'));
  if (!st.signedIn) ctx.exitCode = EXIT.auth;
  return st;
}

/** The raw token alone on stdout, for scripts (`gh auth token`); with --json, a document that holds it. */
export async function token(ctx: Ctx) {
  const r = await (await ctx.agent()).request(AuthToken, {});
  ctx.io.data(r.token);
  return r;
}

/** A fresh access token now, from the stored refresh token (`gh auth refresh`). */
export async function refresh(ctx: Ctx) {
  const r = await (await ctx.agent()).request(AuthRefresh, {});
  ctx.io.success(`Refreshed the token for ${r.host}; it expires ${r.expiresAt ?? 'never'}.`);
  return r;
}
