// `session/request_permission`: the AI agent asks before one of its *own* tools acts. Each is mapped onto
// the request kind it matches and put through the same gate as everything else the AI does:
//   edit with a diff  → a write request (the diff against the file as it is now; never-share, outside and
//                       link checks first); a yes lets the agent's tool make exactly that change
//   read / search     → refused: the agent's own tool would send file contents to the model unredacted
//   execute           → refused: the agent's own tool would send the output to the model unredacted
//   fetch             → refused: the agent's own tool would reach the network from this machine unchecked
//   delete / move     → refused: not a change the customer can be shown as a diff
//   think / switch_mode / other → refused: nothing CodeVF can check
// Refused ones are shown (as a refused file or command request where they name one) and audited; nobody is
// asked. The reason goes back in the response's `_meta.codevf` and tells the AI what to use instead.
import path from 'node:path';
import type { z } from 'zod';
import { AcpDiffContent, type AcpPermissionRequestParams } from '../../protocol/acp-client.js';
import type { AiGate } from './gate.js';

type Options = AcpPermissionRequestParams['options'];
export interface PermissionAsk { reason(what: string): string; rel(abs: string): string; signal: AbortSignal }

const READ = 'its own read tool would send the file to the model without CodeVF\'s redaction; the AI must read files with fs/read_text_file (you are asked, secrets are redacted)';
const REFUSALS: Record<string, string> = {
  read: READ,
  search: 'its own search tool would send file contents to the model without CodeVF\'s redaction; the AI must read files with fs/read_text_file (you are asked, secrets are redacted)',
  execute: 'its own shell tool would send the output to the model without CodeVF\'s redaction; the AI must run commands with terminal/create (you are asked, output is redacted)',
  fetch: 'its own fetch tool would reach the network from this machine without a check; CodeVF does not allow it',
  delete: 'a delete or move cannot be shown as a change to approve; the AI must ask to run it as a command (terminal/create)',
  move: 'a delete or move cannot be shown as a change to approve; the AI must ask to run it as a command (terminal/create)',
  switch_mode: 'the AI agent may not change its own permission mode during a CodeVF session',
};
const unknownTool = (title: string) => `CodeVF cannot check what the AI agent's own tool "${title}" would do on this machine`;
const noDiff = 'CodeVF shows every change before asking; this permission request carries no diff. The AI must send the change as a diff or use fs/write_text_file';

const str = (v: unknown) => (typeof v === 'string' && v.length <= 4000 ? v : undefined);

function rawField(raw: unknown, ...names: string[]): string | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  for (const n of names) { const v = str((raw as Record<string, unknown>)[n]); if (v) return v; }
  return undefined;
}

/** The option to answer with: allow only once (never "always": each use is asked), or reject. */
function pick(options: Options, allow: boolean): { outcome: { outcome: 'selected'; optionId: string } | { outcome: 'cancelled' } } {
  const o = allow ? options.find((x) => x.kind === 'allow_once')
    : options.find((x) => x.kind === 'reject_once') ?? options.find((x) => x.kind === 'reject_always');
  return { outcome: o ? { outcome: 'selected', optionId: o.optionId } : { outcome: 'cancelled' } };
}

/** Decides one permission request through the gate; resolves with the ACP response. */
export async function decidePermission(gate: AiGate, p: AcpPermissionRequestParams, a: PermissionAsk): Promise<unknown> {
  const tc = p.toolCall;
  const title = (tc.title ?? '').trim() || tc.kind || 'a tool';
  const kind = tc.kind ?? 'other';
  const where = tc.locations?.[0]?.path ?? rawField(tc.rawInput, 'filePath', 'file_path', 'path');
  const inProject = (abs: string) => (path.isAbsolute(abs) ? a.rel(abs) : abs);
  const refused = (message: string, code: string) => ({ ...pick(p.options, false), _meta: { codevf: { refused: code, message } } });
  try {
    if (kind === 'edit') {
      const diffs = (tc.content ?? []).map((c) => AcpDiffContent.safeParse(c)).filter((r) => r.success).map((r) => r.data as z.output<typeof AcpDiffContent>);
      if (!diffs.length) {
        await gate.refuse({ as: { kind: null, subject: `edit: ${title}${where ? ` (${where})` : ''}` }, refusal: { reason: 'ai_tool_no_diff', message: noDiff },
          reason: a.reason(`change a file with its own tool (${title})`), signal: a.signal });
      }
      if (!p.options.some((o) => o.kind === 'allow_once')) {
        return refused('the request offers no one-time allow; CodeVF never allows an AI tool for good', 'ai_tool_no_allow_once');
      }
      // One answer per file; the first no (or refusal) refuses the whole tool call.
      for (const d of diffs) {
        await gate.permitWrite({ path: a.rel(d.path), oldText: d.oldText ?? null, content: d.newText,
          reason: a.reason(`change this file with its own edit tool (${title})`), signal: a.signal });
      }
      return pick(p.options, true);
    }
    const message = REFUSALS[kind] ?? unknownTool(title);
    const code = REFUSALS[kind] ? `ai_tool_${kind}` : 'ai_tool_unknown';
    const command = rawField(tc.rawInput, 'command', 'cmd');
    const as = kind === 'execute' ? { kind: 'command' as const, command: command ?? title }
      : (kind === 'read' || kind === 'search') && where ? { kind: 'file' as const, path: inProject(where) }
        : { kind: null, subject: `${kind}: ${title}` };
    await gate.refuse({ as, refusal: { reason: code, message }, reason: a.reason(`use its own ${kind} tool (${title})`), signal: a.signal });
    return refused(message, code); // not reached
  } catch (e) {
    const msg = (e as Error).message;
    return refused(msg, /refused by the customer's agent/.test(msg) ? 'refused' : 'denied');
  }
}
