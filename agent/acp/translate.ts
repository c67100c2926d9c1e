// Pure mappings between CodeVF's session messages and ACP v1 shapes: prompt text, permission options,
// tool-call content, and error codes. No I/O, so every rule here is easy to read and test.
import type { z } from 'zod';
import { AcpErrorCode, type AcpContentBlock, type AcpPermissionOption, type AcpToolContent } from '../../protocol/acp.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import type { AskedKind, PendingOf, PendingRequest } from '../../protocol/methods/session.js';
import { neutralize, neutralizeLine, plainOutput } from '../../protocol/terminal-text.js';
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

type Pick = string;
export type Decision =
  | { kind: 'command'; decision: 'allow' | 'deny'; scope: 'once' | 'session' }
  | { kind: 'file'; decision: 'allow' | 'deny'; override: boolean }
  | { kind: 'write'; decision: 'allow' | 'deny' };

/** How one kind of request looks in ACP: tool kind, title, details, options, and the answer an option means. */
interface AcpKind<K extends AskedKind> {
  toolKind: 'execute' | 'read' | 'edit';
  title(r: PendingOf<K>): string;
  /** Lines of the prompt above the reason. */
  details(r: PendingOf<K>): string[];
  rawInput(r: PendingOf<K>): Record<string, unknown>;
  locations(r: PendingOf<K>): Array<{ path: string }>;
  /** Content blocks beyond the text details (a write's diff view). */
  extra(r: PendingOf<K>): AcpToolContent[];
  options(r: PendingOf<K>): AcpPermissionOption[];
  /** The CodeVF answer for an offered option (anything not offered was already turned into a denial). */
  decide(r: PendingOf<K>, pick: Pick): Extract<Decision, { kind: K }>;
}

const deny = { optionId: Option.deny, name: 'Deny', kind: 'reject_once' as const };
/** Who asks, never ambiguous: the AI agent is named as an AI. */
const who = (r: { engineer: string | null; requester: Pending['requester'] }) => r.requester.type === 'ai'
  ? `${r.requester.name ?? 'The AI agent'} (AI)` : r.engineer ?? r.requester.name ?? 'The engineer';

export const acpKinds = {
  command: {
    toolKind: 'execute',
    title: (r) => r.command,
    details: (r) => [`${who(r)} asks to run:`, fenceFor(r.command), r.command, fenceFor(r.command), `in ${r.workingDirectory}`],
    rawInput: (r) => ({ command: r.command, cwd: r.workingDirectory, engineer: r.engineer, reason: r.reason }),
    locations: (r) => [{ path: r.workingDirectory }],
    extra: () => [],
    options: (r) => {
      const opts: AcpPermissionOption[] = [{ optionId: Option.allowOnce, name: 'Allow once', kind: 'allow_once' }];
      // Chaining or redirection: once only, as approveCommand refuses scope "session" for it.
      if (sessionScopeRefusal(r.command) === null) {
        opts.push({ optionId: Option.allowSession, name: 'Allow this exact command for this session', kind: 'allow_always' });
      }
      return [...opts, deny];
    },
    decide: (_r, pick) => ({ kind: 'command', decision: pick === Option.allowOnce || pick === Option.allowSession ? 'allow' : 'deny',
      scope: pick === Option.allowSession ? 'session' : 'once' }),
  },
  file: {
    toolKind: 'read',
    title: (r) => r.path,
    details: (r) => [`${who(r)} asks for the file \`${r.path}\`.`, ...(r.neverShare ? [`This file is on the never-share list: ${r.neverShare}.`] : [])],
    rawInput: (r) => ({ path: r.path, engineer: r.engineer, reason: r.reason }),
    locations: () => [],
    extra: () => [],
    // An editor that auto-approves reads would pick any allow option: a never-share file gets none (see neverShareRefusal).
    options: (r) => r.neverShare ? [deny] : [{ optionId: Option.allowOnce, name: 'Share this file', kind: 'allow_once' }, deny],
    decide: (_r, pick) => ({ kind: 'file', decision: pick === Option.allowOnce ? 'allow' : 'deny', override: false }),
  },
  write: {
    toolKind: 'edit',
    title: (r) => `${r.newFile ? 'Create' : 'Edit'} ${r.path}`,
    details: (r) => {
      const f = fenceFor(r.diff);
      return [`${who(r)} proposes a change to \`${r.path}\`${r.newFile ? ' (a new file)' : ''}:`, `${f}diff`, r.diff.replace(/\n$/, ''), f, `diff sha256 ${r.diffSha256.slice(0, 12)}…`];
    },
    rawInput: (r) => ({ path: r.path, diffSha256: r.diffSha256, requester: r.requester, reason: r.reason }),
    locations: (r) => [{ path: r.absolutePath }],
    extra: (r) => [{ type: 'diff', path: r.absolutePath, oldText: r.before, newText: r.after }],
    options: () => [{ optionId: Option.allowOnce, name: 'Apply this change', kind: 'allow_once' }, deny],
    decide: (_r, pick) => ({ kind: 'write', decision: pick === Option.allowOnce ? 'allow' : 'deny' }),
  },
} satisfies { [K in AskedKind]: AcpKind<K> };

/** The ACP mapping of this request's kind. */
export function acpKind<K extends AskedKind>(r: PendingOf<K>): AcpKind<K> {
  return acpKinds[r.type as K] as unknown as AcpKind<K>;
}

/** What the person may answer: "for this session" only where CodeVF would accept it (no chaining). */
export function permissionOptions(r: Pending): AcpPermissionOption[] {
  return acpKind(r).options(r);
}

/** The selected option as a CodeVF answer. Anything but an offered "allow" option is a denial. */
export function decisionFor(r: Pending, optionId: string | null): Decision {
  const offered = optionId !== null && permissionOptions(r).some((o) => o.optionId === optionId);
  return acpKind(r).decide(r, offered ? optionId : Option.deny);
}

/** Shown in the editor, which may be a terminal: controls, bidi and invisible characters are made visible. */
export const text = (t: string): AcpToolContent => ({ type: 'content', content: { type: 'text', text: neutralize(t) } });

/** Why a never-share file is refused in ACP mode, and how the customer can still share it. */
export function neverShareRefusal(path: string, why: string): string {
  return `Not shared: \`${path}\` is on the never-share list (${why}). From an editor it is always refused. `
    + 'To share it, run the session in a terminal with `codevf fix "<issue>"`, where you can send it after a warning.';
}

/** The tool call's content: the details as text, then any view of its own (a write's diff). */
export function requestContent(r: Pending): AcpToolContent[] {
  return [text(requestDetails(r)), ...acpKind(r).extra(r)];
}

/** What the permission prompt shows: the exact command or path, folder, engineer and reason. */
export function requestTitle(r: Pending): string {
  return neutralizeLine(acpKind(r).title(r));
}

export function requestDetails(r: Pending): string {
  return [...acpKind(r).details(r), `Reason: ${r.reason}`].join('\n');
}

/** Last `max` characters of command output, fenced so editors show it as a block. */
export function outputBlock(output: string, max: number): string {
  const shown = plainOutput(output.length > max ? `…${output.slice(-max)}` : output);
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
