// `file`: the engineer asks for one project file. Every path check runs before the customer is asked
// (containment, type, size, existence, the agent's own files); the never-share warning names the file that
// would actually be served. "allow" reads it again through every check, redacts it and uploads it.
import { RpcError } from '../../../protocol/errors.js';
import type { PendingOf, Refusal } from '../../../protocol/methods/requests.js';
import type { SharedFile } from '../../security/safe-file.js';
import type { DecidedBy } from '../audit.js';
import { isOwnFile, readForUpload, uploadBody, uploadResult } from '../files.js';
import { refusalOf, type AskedKindModule, type KindDeps } from './kind.js';

type File = PendingOf<'file'>;

/** The checks a yes would meet, run now: null when it could be served, else why not. */
async function preflight(requested: string, d: KindDeps): Promise<{ neverShare: string | null; refusal: Refusal | null }> {
  try {
    const c = await d.files.check(requested, d.cfg.maxFileBytes);
    if (isOwnFile(c.path)) return { neverShare: null, refusal: { reason: 'never_share', message: `"${c.path}" is CodeVF's own session state and is never shared.` } };
    return { neverShare: c.neverShare, refusal: null };
  } catch (err) {
    return { neverShare: null, refusal: refusalOf(err) };
  }
}

const reasonOf = (err: unknown) => err instanceof RpcError ? err.data.reason : 'unreadable';

/** Uploads a file that passed every check; the audit line first. */
export async function sendFile(shared: SharedFile, requestId: string | null, override: boolean, by: DecidedBy, d: KindDeps) {
  const body = uploadBody(shared, requestId);
  await d.audit.append({ event: 'file_sent', taskId: d.taskId, requestId: requestId ?? undefined, path: shared.path,
    decidedBy: by, override, bytesSent: Buffer.byteLength(body.contentBase64, 'base64'),
    redactions: shared.redactions.count, redactionKinds: shared.redactions.kinds });
  void d.outbox.enqueue('uploadFile', body);
  return uploadResult(shared);
}

/** The customer shares a file nobody asked for: the same checks, no pending request. */
export async function shareUnasked(requested: string, override: boolean, d: KindDeps) {
  let shared;
  try {
    shared = await readForUpload(d.files, d.cfg.maxFileBytes, requested, override);
  } catch (err) {
    await d.audit.append({ event: 'file_refused', taskId: d.taskId, path: requested, reason: reasonOf(err), override });
    throw err;
  }
  return sendFile(shared, null, override, 'customer', d);
}

export const fileKind: AskedKindModule<'file'> = {
  kind: 'file',

  async receive(ask, base, d) {
    const { neverShare, refusal } = await preflight(ask.path, d);
    return { request: { type: 'file', ...base, requestId: ask.requestId, path: ask.path, reason: ask.reason, neverShare }, refusal };
  },

  announce: (r) => ({ requestId: r.requestId, path: r.path, reason: r.reason, engineer: r.engineer, requester: r.requester, neverShare: r.neverShare, expiresAt: r.expiresAt }),

  auditFields: (r) => ({ path: r.path }),

  preapproved: () => null,

  validateAnswer: () => undefined,

  async byPolicy(r: File, policy, settle, d) {
    const v = policy.decide(r, d.root);
    if (v.decision === 'deny') return void await settle('deny', 'policy', v.reason);
    let shared;
    try { shared = await readForUpload(d.files, d.cfg.maxFileBytes, r.path, false); } catch (err) {
      return void await settle('deny', 'agent', `refused by the customer's agent: ${(err as Error).message}`);
    }
    // The policy must allow the file actually served too: a link inside an allowed folder may point elsewhere.
    if (shared.path !== r.path && policy.decide({ ...r, path: shared.path }, d.root).decision === 'deny') {
      return void await settle('deny', 'policy', `Denied: ${r.path} is a link to ${shared.path}, which the policy does not allow.`);
    }
    await settle('allow', 'policy', v.reason);
    await sendFile(shared, r.requestId, false, 'policy', d);
  },

  async answer(r, p, settle, reopen, d) {
    if (p.decision === 'deny') {
      await settle('deny', 'customer', 'The customer denied this file.');
      return { sent: false, path: r.path, size: 0, binary: false, redactions: 0 };
    }
    let shared;
    try {
      shared = await readForUpload(d.files, d.cfg.maxFileBytes, r.path, p.override);
    } catch (err) {
      const reason = reasonOf(err);
      await d.audit.append({ event: 'file_refused', taskId: r.taskId, requestId: r.requestId, path: r.path, reason, override: p.override });
      // A never-share refusal leaves the request open: the customer may still share this one file explicitly.
      if (reason === 'never_share' && !p.override) reopen();
      else await settle('deny', 'agent', `refused by the customer's agent: ${(err as Error).message}`);
      throw err;
    }
    await settle('allow', 'customer', p.override ? 'Shared by the customer despite the never-share list.' : 'Allowed by the customer.');
    return sendFile(shared, r.requestId, p.override, 'customer', d);
  },

  async execute(r, d) {
    return sendFile(await readForUpload(d.files, d.cfg.maxFileBytes, r.path, false), r.requestId, false, 'rule', d);
  },
};


