// codevf status: who you are, what project this folder is, and the credits left.
import { AuthStatus, GetBalance } from '../../../protocol/methods/account.js';
import { DetectProject } from '../../../protocol/methods/project.js';
import type { Ctx } from '../cli/context.js';

export async function status(ctx: Ctx) {
  const agent = await ctx.agent();
  const [auth, project] = await Promise.all([agent.request(AuthStatus, {}), agent.request(DetectProject, {})]);
  const balance = auth.signedIn ? await agent.request(GetBalance, {}).catch(() => null) : null;
  const c = ctx.io.out;
  const who = auth.signedIn && auth.user ? `${c.bold(auth.user.name)} (${auth.user.email})` : `${c.red('not logged in')} (run: codevf login)`;
  const kind = project.type === 'unknown' ? 'unknown type' : `${project.type}${project.packageManager ? ` (${project.packageManager})` : ''}`;
  ctx.io.data([
    `Host:     ${auth.host}`,
    `Account:  ${who}`,
    `Project:  ${process.cwd()}: ${kind}`,
    `          test: ${project.testCommand ?? '-'}   build: ${project.buildCommand ?? '-'}`,
    ...(balance ? [`Balance:  ${balance.balance} credits (${balance.rates.creditsPerMinute} credit/min)`] : []),
  ].join('\n'));
  return { auth, project, balance };
}
