// Files leaving the machine: every check of security.md section 6 (ProjectFiles), the never-share list
// unless overridden for that one file, a size cap, binary as base64 with a flag, text redacted.
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import type { ProjectFiles, SharedFile } from '../security/safe-file.js';

/** The agent's own state is not project content: its outbox holds the customer's messages. */
const OWN_FILES = new Set(['.codevf/session.json']);

export const isOwnFile = (rel: string) => OWN_FILES.has(rel.toLowerCase());

export async function readForUpload(files: ProjectFiles, maxBytes: number, requested: string, override: boolean): Promise<SharedFile> {
  const shared = await files.read(requested, { maxBytes, overrideNeverShare: override });
  if (isOwnFile(shared.path)) {
    throw new RpcError(ErrorCode.Forbidden, `"${shared.path}" is CodeVF's own session state and is never shared.`, 'never_share');
  }
  return shared;
}

export function uploadBody(shared: SharedFile, requestId: string | null) {
  const contentBase64 = shared.binary ? shared.content : Buffer.from(shared.content, 'utf8').toString('base64');
  return { requestId, path: shared.path, contentBase64 };
}

export function uploadResult(shared: SharedFile) {
  return { sent: true, path: shared.path, size: shared.size, binary: shared.binary, redactions: shared.redactions.count };
}
