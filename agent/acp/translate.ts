// Pure mappings between CodeVF's session messages and ACP v1 shapes: prompt text, permission options,
// tool-call content, and error codes. No I/O, so every rule here is easy to read and test.
import type { z } from 'zod';
import { AcpErrorCode, type AcpContentBlock, type AcpPermissionOption, type AcpToolContent } from '../../protocol/acp.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import type { PendingRequest } from '../../protocol/methods/session.js';
import { sessionScopeRefusal } from '../session/rules.js';

type Pending = z.infer<typeof PendingRequest>;

/** The id of the one auth method: the client tells the user to run `codevf login` in a terminal. */
export const LOGIN_METHOD_ID = 'codevf-login';

export const AUTH_METHODS = [{
  id: LOGIN_METHOD_ID,
  name: 'Sign in with `codevf login`',
  description: 'Run `codevf login` in a terminal (or set CODEVF_TOKEN in the agent\'s env), then start a new session.',
}];

/** ACP option ids; each maps to exactly one CodeVF answer (see `decisionFor`). */
export const Option = {
  allowOnce: 'allow_once',
  allowSession: 'allow_session',
  allowOverride: 'allow_never_share_override',
  deny: 'reject_once',
} as const;

/** The customer's message: text blocks joined, links and embedded resources written out. */
export function promptText(blocks: z.infer<typeof AcpContentBlock>[]): string {
  const parts: string[] = [];
  for (const b of blocks) {
    if (b.type === 'text' && typeof b.text === 'string') parts.push(b.text);
    else if (b.type === 'resource_link' && typeof b.uri === 'string') parts.push(`[${String(b.name ?? b.uri)}](${b.uri})`);
    else if (b.type === 'resource') {
      const r = b.resource as { uri: string; text?: string };
      parts.push(r.text !== undefined ? `${r.uri}:\n\`\`\`\n${r.text}\n\`\`\`` : r.uri);
    }
  }
  return parts.join('\n\n').trim();
}

/** What the person may answer: "for this session" only where CodeVF would accept it (no chaining). */
export function permissionOptions(r: Pending): AcpPermissionOption[] {
  const deny = { optionId: Option.deny, name: 'Deny', kind: 'reject_once' as const };
  if (r.type === 'file') {
    if (r.neverShare) return [{ optionId: Option.allowOverride, name: `Share anyway (never-share: ${r.neverShare})`, kind: 'allow_once' }, deny];
    return [{ optionId: Option.allowOnce, name: 'Share this file', kind: 'allow_once' }, deny];
  }
  const opts: AcpPermissionOption[] = [{ optionId: Option.allowOnce, name: 'Allow once', kind: 'allow_once' }];
  // Chaining or redirection: once only, as approveCommand refuses scope "session" for it.
  if (sessionScopeRefusal(r.command) === null) {
    opts.push({ optionId: Option.allowSession, name: 'Allow this exact command for this session', kind: 'allow_always' });
  }
  opts.push(deny);
  return opts;
}

export type Decision =
  | { kind: 'command'; decision: 'allow' | 'deny'; scope: 'once' | 'session' }
  | { kind: 'file'; decision: 'allow' | 'deny'; override: boolean };

/** The selected option as a CodeVF answer. Anything but an offered "allow" option is a denial. */
export function decisionFor(r: Pending, optionId: string | null): Decision {
  const offered = optionId !== null && permissionOptions(r).some((o) => o.optionId === optionId);
  const pick = offered ? optionId : Option.deny;
  if (r.type === 'command') {
    return { kind: 'command', decision: pick === Option.allowOnce || pick === Option.allowSession ? 'allow' : 'deny',
      scope: pick === Option.allowSession ? 'session' : 'once' };
  }
  return { kind: 'file', decision: pick === Option.allowOnce || pick === Option.allowOverride ? 'allow' : 'deny',
    override: pick === Option.allowOverride };
}

export const text = (t: string): AcpToolContent => ({ type: 'content', content: { type: 'text', text: t } });

/** What the permission prompt shows: the exact command or path, folder, engineer and reason. */
export function requestTitle(r: Pending): string {
  return r.type === 'command' ? r.command : r.path;
}

export function requestDetails(r: Pending): string {
  const who = r.engineer ?? 'The engineer';
  const lines = r.type === 'command'
    ? [`${who} asks to run:`, fenceFor(r.command), r.command, fenceFor(r.command), `in ${r.workingDirectory}`]
    : [`${who} asks for the file \`${r.path}\`.`];
  if (r.type === 'file' && r.neverShare) lines.push(`This file is on the never-share list: ${r.neverShare}.`);
  lines.push(`Reason: ${r.reason}`);
  return lines.join('\n');
}

/** Last `max` characters of command output, fenced so editors show it as a block. */
export function outputBlock(output: string, max: number): string {
  const shown = output.length > max ? `…${output.slice(-max)}` : output;
  return `\`\`\`\n${shown.replace(/\n$/, '')}\n\`\`\``;
}

/** CodeVF errors in ACP's terms: auth and not-found have their own ACP codes; the rest pass as they are. */
export function toAcpError(e: unknown): unknown {
  if (!(e instanceof RpcError)) return e;
  if (e.code === ErrorCode.AuthRequired) {
    const said = e.message.replace(/\.?\s*$/, '.');
    const hint = /codevf login/.test(said) ? ' Then start a new session.' : ' Run `codevf login` in a terminal, then start a new session.';
    return new RpcError(AcpErrorCode.AuthRequired, said + hint, e.data.reason, { ...e.data, authMethods: AUTH_METHODS });
  }
  if (e.code === ErrorCode.NotFound) return new RpcError(AcpErrorCode.ResourceNotFound, e.message, e.data.reason, e.data);
  return e;
}

/** A Markdown fence longer than any backtick run in `text`, so the command cannot close it early. */
export function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}
