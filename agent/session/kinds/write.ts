// `write`: the requester (an engineer or the AI agent) proposes a change to one file — its whole new
// content or a unified diff. Before anyone is asked, the target passes every check (inside the project, no
// link on the way, not never-share, not .git/.codevf, text) and the diff is made from the current content,
// so the customer reads exactly what would be written. "allow" writes it atomically, only if the file still
// holds what the diff was made against; the audit log keeps the diff's SHA-256.
import nodePath from 'node:path';
import { RpcError } from '../../../protocol/errors.js';
import type { PendingOf, Refusal } from '../../../protocol/methods/requests.js';
import { applyWrite, sha256, writeTarget } from '../../write/apply.js';
import { applyUnifiedDiff, DiffError, unifiedDiff } from '../../write/diff.js';
import { refusalOf, type AskedKindModule, type KindDeps, type Settle } from './kind.js';

type Write = PendingOf<'write'>;

async function write(r: Write, d: KindDeps): Promise<void> {
  await applyWrite(d.files.root, r.path, r.before, r.after, d.cfg.maxFileBytes);
  await d.audit.append({ event: 'file_written', taskId: r.taskId, requestId: r.requestId, path: r.path, diffSha256: r.diffSha256,
    requester: r.requester, bytesSent: Buffer.byteLength(r.after) });
}

/** Writes, then settles: "allow" reaches the requester only once the file holds the change. For an AI
 *  agent's permission (its own tool writes) the allow is only the answer. */
async function writeAndSettle(r: Write, d: KindDeps, settle: Settle, by: 'customer' | 'policy' | 'rule', reason: string): Promise<boolean> {
  if (d.requesterWrites) {
    d.requesterWrites.permitted({ path: r.path, before: r.before, after: r.after }); // before the answer reaches the AI agent
    await settle('allow', by, `${reason.replace(/; written\.$/, '')}; the AI agent's own tool makes the change.`);
    return false;
  }
  try {
    await write(r, d);
  } catch (err) {
    await settle('deny', 'agent', `refused by the customer's agent: ${(err as Error).message}`);
    throw err;
  }
  await settle('allow', by, reason);
  return true;
}

export const writeKind: AskedKindModule<'write'> = {
  kind: 'write',

  async receive(ask, base, d) {
    let refusal: Refusal | null = null;
    let path = ask.path, before: string | null = null, after = '';
    try {
      const t = await writeTarget(d.files.root, ask.path, d.cfg.maxFileBytes);
      path = t.rel;
      before = t.before;
      // An ACP permission's diff: `oldText` is the whole file or one exact, unique part of it (agents send both).
      const oldText = (ask as { oldText?: string | null }).oldText;
      if (typeof oldText === 'string' && ask.content !== undefined && oldText !== before) {
        const at = (before ?? '').indexOf(oldText);
        if (!oldText || at < 0 || (before ?? '').indexOf(oldText, at + 1) >= 0) throw new DiffError('its old text is not exactly one part of the file');
        after = (before ?? '').slice(0, at) + ask.content + (before ?? '').slice(at + oldText.length);
      } else if (ask.content !== undefined) after = ask.content;
      else if (ask.diff !== undefined) after = applyUnifiedDiff(before ?? '', ask.diff);
      else throw new RpcError(-32602, 'the change has neither new content nor a diff', 'invalid_change');
      if (Buffer.byteLength(after) > d.cfg.maxFileBytes) throw new RpcError(-32602, `the new content is over ${d.cfg.maxFileBytes} bytes`, 'too_large');
      if (after === before) throw new RpcError(-32602, 'the proposed content is the same as the file', 'no_change');
    } catch (err) {
      refusal = err instanceof DiffError ? { reason: 'diff_does_not_apply', message: `the diff does not apply to ${path}: ${err.message}` } : refusalOf(err);
    }
    const diff = refusal ? '' : unifiedDiff(path, before, after);
    return { request: { type: 'write', ...base, requestId: ask.requestId, path, absolutePath: nodePath.join(d.files.root, ...path.split('/')),
      reason: ask.reason, diff, diffSha256: sha256(diff),
      newFile: before === null, before, after }, refusal };
  },

  announce: (r) => ({ requestId: r.requestId, path: r.path, absolutePath: r.absolutePath, reason: r.reason, engineer: r.engineer, requester: r.requester,
    diff: r.diff, diffSha256: r.diffSha256, newFile: r.newFile, before: r.before, after: r.after, expiresAt: r.expiresAt }),

  auditFields: (r) => ({ path: r.path, diffSha256: r.diffSha256 }),

  // A change is never pre-approved by a rule: each one is read and answered (an AI agent's write of exactly
  // what the customer allowed in its permission request is that same answer).
  preapproved: (r, d) => d.preapprovedWrite?.({ path: r.path, before: r.before, after: r.after }) ?? null,

  validateAnswer: () => undefined,

  async byPolicy(r, policy, settle, d) {
    const v = policy.decide(r, d.root);
    if (v.decision === 'deny') return void await settle('deny', 'policy', v.reason);
    await writeAndSettle(r, d, settle, 'policy', v.reason).catch(() => undefined);
  },

  async answer(r, p, settle, _reopen, d) {
    if (p.decision === 'deny') {
      await settle('deny', 'customer', 'The customer denied this change.');
      return { requestId: r.requestId, decision: 'deny', written: false, path: r.path };
    }
    const written = await writeAndSettle(r, d, settle, 'customer', 'Allowed by the customer; written.');
    return { requestId: r.requestId, decision: 'allow', written, path: r.path };
  },

  async execute(r, d) { if (!d.requesterWrites) await write(r, d); },
};
