// The engineer's requests: a closed set of kinds, each declared once with its backend event, the
// notification the front end gets, the method that answers it and the backend route its decision goes to.
// Adding a kind here makes every `satisfies Record<RequestKind, …>` in the agent and front ends fail to
// compile until it is handled (Lua and Java check `schemas/kinds.json` in their tests).
import * as z from 'zod';
import type { EventType } from '../backend/events.js';
import { DecidedBy, RequestCommand, RequestFile, RequestWrite, ScreenshareRequest } from '../backend/events.js';
import type { taskRoutes } from '../backend/tasks.js';
import { defineNotification, defineRequest, type AnyNotificationDef, type AnyRequestDef } from '../define.js';
import { note, RequestId, TaskId } from './common.js';

export const RequestKind = z.enum(['command', 'file', 'write', 'screenshare']).describe('What the engineer (or the AI agent) asks for.');
export type RequestKind = z.infer<typeof RequestKind>;

export { DecidedBy } from '../backend/events.js';

/** Who asks: a human engineer (by name) or the AI agent (its `allowedTools` name and title). Front ends show it with every request. */
export const Requester = z.object({
  type: z.enum(['engineer', 'ai']),
  name: z.string().nullable().describe('The engineer\'s name, or the AI agent\'s title (e.g. `OpenCode`).'),
  tool: z.string().nullable().describe('For the AI: its `allowedTools` name; null for an engineer.'),
}).describe('Who asks: an engineer or the AI agent.');
export type Requester = z.infer<typeof Requester>;

const Asked = { taskId: TaskId, requestId: RequestId, reason: z.string(), engineer: z.string().nullable(),
  requester: Requester.default({ type: 'engineer', name: null, tool: null }),
  receivedAt: z.string(), expiresAt: z.string() };
const Shown = { engineer: z.string().nullable().describe('The engineer\'s name; null when the AI asks.'), requester: Requester };

export const PendingCommand = z.object({ type: z.literal('command'), ...Asked, command: z.string(),
  workingDirectory: z.string().describe('Absolute folder the command would run in.') });
export const PendingFile = z.object({ type: z.literal('file'), ...Asked, path: z.string(),
  neverShare: z.string().nullable().describe('Why the file that would be served is on the never-share list, if it is.') });
const WriteShown = {
  path: z.string().describe('The file, relative to the project root.'),
  absolutePath: z.string().describe('The same file as an absolute path (for editors\' diff views).'),
  diff: z.string().describe('Unified diff from the current content to the proposed one: exactly what would be written.'),
  diffSha256: z.string().describe('SHA-256 of `diff` (kept in the audit log).'),
  newFile: z.boolean().describe('True when the file does not exist yet.'),
  before: z.string().nullable().describe('The current content the diff was made against (null for a new file), for a side-by-side view.'),
  after: z.string().describe('The whole proposed content.'),
};
export const PendingWrite = z.object({ type: z.literal('write'), ...Asked, ...WriteShown });

/** Why the customer's agent refused a request at once, without asking anyone. */
export const Refusal = z.object({
  reason: z.string().describe('Stable code, e.g. `path_outside_project`, `never_share`, `too_many_pending`.'),
  message: z.string().describe('What the customer sees after "refused by your agent:".'),
});
export type Refusal = z.infer<typeof Refusal>;
const Refused = Refusal.nullable()
  .describe('Set when the customer\'s agent refused the request at once (a check failed, too many open): nobody is asked.');

export const RequestCommandNote = note('request_command', 'The engineer asks to run a command; answer with approveCommand.',
  RequestCommand.extend({ workingDirectory: z.string().describe('Absolute folder it would run in.'), ...Shown, expiresAt: z.string(), refused: Refused }),
  { requestId: 'r_1', command: 'npm test', reason: 'see the failure', workingDirectory: '/home/me/app', engineer: 'Maria', requester: { type: 'engineer', name: 'Maria', tool: null }, expiresAt: '2026-11-23T10:05:00.000Z', refused: null });
export const RequestFileNote = note('request_file', 'The engineer asks for a file; answer with uploadFile.',
  RequestFile.extend({ ...Shown, neverShare: z.string().nullable(), expiresAt: z.string(), refused: Refused }),
  { requestId: 'r_2', path: 'src/auth.js', reason: 'read the login code', engineer: 'Maria', requester: { type: 'engineer', name: 'Maria', tool: null }, neverShare: null, expiresAt: '2026-11-23T10:05:00.000Z', refused: null });
export const RequestWriteNote = note('request_write', 'A proposed change to one file, as a unified diff; answer with approveWrite.',
  RequestWrite.pick({ requestId: true, reason: true }).extend({ ...WriteShown, ...Shown, expiresAt: z.string(), refused: Refused }),
  { requestId: 'r_4', path: 'src/auth.js', absolutePath: '/home/me/app/src/auth.js', reason: 'fix the token check', diff: '--- a/src/auth.js\n+++ b/src/auth.js\n@@ -1 +1 @@\n-a\n+b\n',
    diffSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', newFile: false, before: 'a\n', after: 'b\n', engineer: null,
    requester: { type: 'ai', name: 'OpenCode', tool: 'opencode' }, expiresAt: '2026-11-23T10:05:00.000Z', refused: null });
export const ScreenshareRequestNote = note('screenshare_request', 'The engineer offers a screenshare link to open.', ScreenshareRequest, { requestId: 'r_3', url: 'https://meet.example.com/abc' });

export const ApproveCommand = defineRequest({
  method: 'approveCommand',
  summary: 'Answers a `request_command`. `allow` runs exactly that command in the project root; `scope: session` also allows '
    + 'the same exact command string later in this session (never one with chaining or redirection).',
  params: z.object({ requestId: RequestId, decision: z.enum(['allow', 'deny']), scope: z.enum(['once', 'session']).default('once') }),
  result: z.object({ requestId: RequestId, decision: z.enum(['allow', 'deny']), scope: z.enum(['once', 'session']), started: z.boolean() }),
  errors: ['not_found', 'scope_not_allowed', 'session_ended'],
  examples: [{ params: { requestId: 'r_1', decision: 'allow' }, result: { requestId: 'r_1', decision: 'allow', scope: 'once', started: true } }],
});

export const UploadFile = defineRequest({
  method: 'uploadFile',
  summary: 'Answers a `request_file` (`requestId` + `decision`), or shares a file the customer picks (`taskId` + `path`). '
    + 'Path checks always apply; a never-share file needs `override: true` for that one file.',
  params: z.union([
    z.object({ requestId: RequestId, decision: z.enum(['allow', 'deny']), override: z.boolean().default(false) }),
    z.object({ taskId: TaskId, path: z.string().min(1), override: z.boolean().default(false) }),
  ]),
  result: z.object({ sent: z.boolean(), path: z.string(), size: z.number().int(), binary: z.boolean(), redactions: z.number().int() }),
  errors: ['not_found', 'session_ended', 'never_share', 'path_outside_project', 'path_traversal', 'absolute_path', 'reserved_name',
    'not_a_regular_file', 'file_not_found', 'file_changed', 'too_large'],
  examples: [{ params: { requestId: 'r_2', decision: 'allow' }, result: { sent: true, path: 'src/auth.js', size: 1234, binary: false, redactions: 0 } }],
});

export const ApproveWrite = defineRequest({
  method: 'approveWrite',
  summary: 'Answers a `request_write`. `allow` writes exactly the change shown (atomically; refused with `file_changed` if the file '
    + 'changed since), inside the project, never to a never-share file, never through a link.',
  params: z.object({ requestId: RequestId, decision: z.enum(['allow', 'deny']) }),
  result: z.object({ requestId: RequestId, decision: z.enum(['allow', 'deny']), written: z.boolean(), path: z.string() }),
  errors: ['not_found', 'session_ended', 'file_changed', 'never_share', 'path_outside_project', 'not_a_regular_file', 'too_large'],
  examples: [{ params: { requestId: 'r_4', decision: 'allow' }, result: { requestId: 'r_4', decision: 'allow', written: true, path: 'src/auth.js' } }],
});

export const DenyAllRequests = defineRequest({
  method: 'denyAllRequests',
  summary: 'Denies every request still waiting for the customer (of one task, or of all), in one answer: the way out of a flood.',
  params: z.object({ taskId: TaskId.optional().describe('Default: every task of this agent.') }),
  result: z.object({ denied: z.array(RequestId).describe('The requests denied, oldest first.') }),
  examples: [{ params: { taskId: 't_1' }, result: { denied: ['r_1', 'r_2'] } }],
});

export const RequestResolved = defineNotification({
  method: 'request_resolved',
  summary: 'A pending request was settled (by the customer, a rule, a timeout or a policy); front ends close its prompt.',
  direction: 'agent-to-client',
  params: z.object({ taskId: TaskId, requestId: RequestId, decision: z.enum(['allow', 'deny']), decidedBy: DecidedBy,
    reason: z.string().optional().describe('Why, when not the customer\'s own answer (the text the engineer is sent).') }),
  examples: [{ taskId: 't_1', requestId: 'r_1', decision: 'deny', decidedBy: 'timeout', reason: 'The customer did not answer within 300 s; denied automatically.' }],
});

type DecisionRoute = { [R in keyof typeof taskRoutes]: R extends `approve${string}` ? R : never }[keyof typeof taskRoutes];

export interface KindDecl {
  /** Backend event carrying the engineer's request. */
  event: EventType;
  /** What the front end is told. */
  notification: AnyNotificationDef;
  /** The pending request as listed by listPendingRequests; null for a kind that is shown, never asked. */
  pending: z.ZodObject | null;
  /** The method that answers it; null: nothing runs and nothing leaves, so nothing is asked. */
  answer: AnyRequestDef | null;
  /** Where the decision goes on the backend, and the event it comes back as. */
  decision: { route: DecisionRoute; event: EventType } | null;
}

/** The one list of request kinds. */
export const requestKinds = {
  command: { event: 'request_command', notification: RequestCommandNote, pending: PendingCommand, answer: ApproveCommand,
    decision: { route: 'approveCommand', event: 'command_decision' } },
  file: { event: 'request_file', notification: RequestFileNote, pending: PendingFile, answer: UploadFile,
    decision: { route: 'approveFile', event: 'file_decision' } },
  write: { event: 'request_write', notification: RequestWriteNote, pending: PendingWrite, answer: ApproveWrite,
    decision: { route: 'approveWrite', event: 'write_decision' } },
  // A link the customer may open in their own browser: shown (neutralised), never acted on by the agent.
  screenshare: { event: 'screenshare_request', notification: ScreenshareRequestNote, pending: null, answer: null, decision: null },
} as const satisfies Record<RequestKind, KindDecl>;
export type RequestKinds = typeof requestKinds;

/** The kinds a person answers. */
export type AskedKind = { [K in RequestKind]: RequestKinds[K]['answer'] extends null ? never : K }[RequestKind];
export const askedKinds = RequestKind.options.filter((k): k is AskedKind => requestKinds[k].answer !== null);

export const PendingRequest = z.discriminatedUnion('type', [PendingCommand, PendingFile, PendingWrite]);
export type PendingRequest = z.infer<typeof PendingRequest>;
export type PendingOf<K extends AskedKind> = Extract<PendingRequest, { type: K }>;

/** Every PendingRequest member comes from an asked kind, and every asked kind has one. */
type _Exhaustive = [PendingRequest['type']] extends [AskedKind] ? ([AskedKind] extends [PendingRequest['type']] ? true : never) : never;
export const pendingUnionIsExhaustive: _Exhaustive = true;

/** The same table as JSON, for clients without TypeScript (Lua, Java): written to schemas/kinds.json. */
export function kindsTable(): Record<RequestKind, { event: string; notification: string; notificationType: string; answer: string | null; answerType: string | null; decisionRoute: string | null; decisionEvent: string | null }> {
  return Object.fromEntries(RequestKind.options.map((k) => {
    const d: KindDecl = requestKinds[k];
    return [k, { event: d.event, notification: d.notification.method, notificationType: d.notification.typeName,
      answer: d.answer?.method ?? null, answerType: d.answer?.typeName ?? null,
      decisionRoute: d.decision?.route ?? null, decisionEvent: d.decision?.event ?? null }];
  })) as never;
}
