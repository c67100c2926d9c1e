// `command`: the engineer asks to run a shell command. Checked before asking (its folder, characters that
// could make the shown command differ from what runs); "allow" runs exactly that string in that folder.
import path from 'node:path';
import type { PendingOf, Refusal } from '../../../protocol/methods/requests.js';
import type { ApprovalPolicy } from '../../policy.js';
import { outsideRequest } from '../../cancel.js';
import { startCommand } from '../commands.js';
import { OutputSockets } from '../runner.js';
import { commandFolder } from '../cwd.js';
import { assertSessionScope } from '../rules.js';
import { refusalOf, type AskedKindModule, type KindDeps, type Settle } from './kind.js';

/** Characters that can make a terminal or editor show something other than what runs (tab and newline stay). */
const HIDING_CHARS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

type Cmd = PendingOf<'command'>;

async function run(r: Cmd, d: KindDeps, sockets?: OutputSockets): Promise<void> {
  const cmd = startCommand(d, { requestId: r.requestId, command: r.command, workingDirectory: r.workingDirectory },
    () => d.running.remove(r.requestId), sockets);
  d.running.add(r.requestId, cmd);
  await cmd.spawned; // a spawn that fails (the folder became a file, an environment too large) fails the approval
}

/** The folder is checked again when allowed: it may have become a link since the request came. */
async function recheckFolder(r: Cmd, d: KindDeps): Promise<void> {
  await commandFolder(d.root, r.workingDirectory === d.root ? undefined : path.relative(d.root, r.workingDirectory));
}

export const commandKind: AskedKindModule<'command'> = {
  kind: 'command',

  async receive(ask, base, d) {
    let folder: string | null = null;
    let refusal: Refusal | null = null;
    try { folder = await commandFolder(d.root, ask.cwd); } catch (err) { refusal = refusalOf(err); }
    if (!refusal && HIDING_CHARS.test(ask.command)) {
      refusal = { reason: 'hidden_characters', message: 'the command contains control characters that could hide what it runs' };
    }
    return { request: { type: 'command', ...base, requestId: ask.requestId, command: ask.command, reason: ask.reason,
      workingDirectory: folder ?? d.root }, refusal };
  },

  announce: (r) => ({ requestId: r.requestId, command: r.command, reason: r.reason, workingDirectory: r.workingDirectory,
    engineer: r.engineer, requester: r.requester, expiresAt: r.expiresAt }),

  auditFields: (r) => ({ command: r.command, cwd: r.workingDirectory }),

  preapproved: (r, d) => d.rules.allows(r.command, r.workingDirectory) ? 'Allowed by the customer for this session.' : null,

  async byPolicy(r: Cmd, policy: ApprovalPolicy, settle: Settle, d: KindDeps) {
    const v = policy.decide(r, d.root);
    await settle(v.decision, 'policy', v.reason);
    if (v.decision === 'allow') await run(r, d);
  },

  async answer(r, p, settle, _reopen, d) {
    const { decision, scope } = p;
    if (decision === 'deny') {
      await settle('deny', 'customer', 'The customer denied this command.', scope);
      return { requestId: r.requestId, decision, scope, started: false };
    }
    // Its output sockets are made while the folder is checked again and the decision recorded.
    const sockets = outsideRequest(() => new OutputSockets()); // read as the command's, not this request's, work
    try {
      await recheckFolder(r, d);
    } catch (err) {
      sockets.discard();
      await settle('deny', 'agent', `refused by the customer's agent: ${(err as Error).message}`);
      throw err;
    }
    if (scope === 'session') d.rules.add(r.command, r.workingDirectory);
    try {
      await settle('allow', 'customer', scope === 'session' ? 'Allowed by the customer for this session.' : 'Allowed by the customer.', scope);
    } catch (err) {
      sockets.discard();
      throw err;
    }
    await run(r, d, sockets);
    return { requestId: r.requestId, decision, scope, started: true };
  },

  // "Allow for this session" is refused for a chained command; the question stays open for y or n.
  validateAnswer(r, p) {
    if (p.decision === 'allow' && p.scope === 'session') assertSessionScope(r.command);
  },

  execute: run,
};
