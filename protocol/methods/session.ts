// The live session: task, chat, approvals, commands, files. Backend events reach the front end as
// notifications named as the backend names them, with the backend's payload plus `taskId` and `seq`.
import * as z from 'zod';
import { defineNotification, defineRequest } from '../define.js';
import { BillingUpdate, CommandOutcome, EngineerConnected, EngineerDisconnected, EngineerMessage, SessionSummary } from '../backend/events.js';
import { note, RequestId, TaskId } from './common.js';
import { TaskMode } from '../project.js';
import {
  ApproveCommand, DenyAllRequests, ApproveWrite, PendingRequest, RequestCommandNote, RequestFileNote, RequestResolved, RequestWriteNote, ScreenshareRequestNote, UploadFile,
} from './requests.js';

export * from './requests.js';

export const CreateTask = defineRequest({
  method: 'createTask',
  summary: 'Creates the task, connects to its event stream and returns its id; events then arrive as notifications. '
    + 'Commands run in the project root (the folder holding .codevf/config.json), or in `cwd` when there is no project.',
  params: z.object({
    description: z.string().min(1).max(4000).describe('The issue, in the customer\'s words.'),
    cwd: z.string().optional().describe('Project folder (commands run in its root); default: the agent\'s working folder.'),
    mode: TaskMode.optional().describe('Default: the project config\'s `mode`, else `human`.'),
    aiTool: z.string().optional().describe('The AI agent for `ai` and `hybrid` (one of the project\'s `allowedTools`); default the first.'),
  }),
  result: z.object({ taskId: TaskId, status: z.enum(['open', 'active', 'ended']),
    mode: TaskMode.optional().describe('The mode the task started in.'),
    aiTool: z.string().nullable().optional().describe('The AI agent started, when one was.') }),
  errors: ['auth_required', 'network_unreachable', 'folder_not_found', 'not_a_folder', 'session_active', 'ai_tool_not_allowed', 'ai_tool_unknown',
    'ai_allowance_exhausted'],
  examples: [{ params: { description: 'users cannot log in' }, result: { taskId: 't_1', status: 'open' } }],
});

export const ResumeTask = defineRequest({
  method: 'resumeTask',
  summary: 'Reconnects to a task kept in .codevf/ (after an agent restart), from its last seq, and re-sends pending requests.',
  params: z.object({ taskId: TaskId.optional().describe('Default: the task recorded in .codevf/session.json.'), cwd: z.string().optional() }),
  result: z.object({ taskId: TaskId, status: z.enum(['open', 'active', 'ended']), lastSeq: z.number().int(), pending: z.array(PendingRequest) }),
  examples: [{ params: {}, result: { taskId: 't_1', status: 'active', lastSeq: 12, pending: [] } }],
});

export const SendMessage = defineRequest({
  method: 'sendMessage',
  summary: 'Sends a chat message to the engineer; queued with an idempotency key and delivered exactly once.',
  params: z.object({ taskId: TaskId, text: z.string().min(1).max(20_000) }),
  result: z.object({ queued: z.boolean(), seq: z.number().int().nullable().describe('Null while queued for delivery.') }),
  examples: [{ params: { taskId: 't_1', text: 'yes, users cannot log in' }, result: { queued: false, seq: 7 } }],
});

export const CancelCommand = defineRequest({
  method: 'cancelCommand',
  summary: 'Kills a running approved command and its whole process tree.',
  params: z.object({ requestId: RequestId }),
  result: z.object({ requestId: RequestId, killed: z.boolean() }),
  examples: [{ params: { requestId: 'r_1' }, result: { requestId: 'r_1', killed: true } }],
});

export const ListPendingRequests = defineRequest({
  method: 'listPendingRequests',
  summary: 'Engineer requests still waiting for the customer\'s answer.',
  params: z.object({ taskId: TaskId.optional() }),
  result: z.object({ requests: z.array(PendingRequest) }),
  examples: [{ params: {}, result: { requests: [] } }],
});

export const EndSession = defineRequest({
  method: 'endSession',
  summary: 'Ends the session (kills running commands) and returns the summary: engineer, duration, credits used.',
  params: z.object({ taskId: TaskId }),
  result: SessionSummary,
  examples: [{ params: { taskId: 't_1' }, result: { taskId: 't_1', engineer: { id: 'e_1', name: 'Maria', title: 'ex-FAANG' }, durationSeconds: 720, minutes: 12, creditsUsed: 12, endedAt: '2026-11-23T10:12:00.000Z', reason: 'customer_ended' } }],
});

export const RateSession = defineRequest({
  method: 'rateSession',
  summary: 'Rates the engineer, 1 to 5, after the session.',
  params: z.object({ taskId: TaskId, rating: z.number().int().min(1).max(5), comment: z.string().max(2000).optional() }),
  result: z.object({ taskId: TaskId, rating: z.number().int(), comment: z.string().nullable() }),
  examples: [{ params: { taskId: 't_1', rating: 5 }, result: { taskId: 't_1', rating: 5, comment: null } }],
});

export const EngineerConnectedNote = note('engineer_connected', 'An engineer joined the session.', EngineerConnected, { engineer: { id: 'e_1', name: 'Maria', title: 'ex-FAANG' } });
export const EngineerDisconnectedNote = note('engineer_disconnected', 'The engineer\'s connection closed.', EngineerDisconnected, { engineer: { id: 'e_1', name: 'Maria', title: null } });
export const EngineerMessageNote = note('engineer_message', 'A chat message from the engineer.', EngineerMessage, { text: 'Hello!' });
export const BillingUpdateNote = note('billing_update', 'Credits used so far and the balance.', BillingUpdate, { minutes: 3, creditsUsed: 3, balance: 97, creditsPerMinute: 1, lowBalance: false });
export const SessionEndNote = note('session_end', 'The session ended; the summary.', SessionSummary.omit({ taskId: true }),
  { engineer: null, durationSeconds: 60, minutes: 1, creditsUsed: 1, endedAt: '2026-11-23T10:01:00.000Z', reason: 'engineer_ended' });

export const ConnectionState = defineNotification({
  method: 'connection_state',
  summary: 'The event stream\'s state: connecting, connected, reconnecting (with attempt and delay), polling (long-poll fallback), closed, '
    + 'auth_required (the login was revoked or signed out: the stream stopped for good; sign in again, then resumeTask).',
  direction: 'agent-to-client',
  params: z.object({ taskId: TaskId, state: z.enum(['connecting', 'connected', 'reconnecting', 'polling', 'closed', 'auth_required']),
    attempt: z.number().int().optional(), retryInMs: z.number().int().optional(), reason: z.string().optional() }),
  examples: [{ taskId: 't_1', state: 'reconnecting', attempt: 2, retryInMs: 1800, reason: 'connection lost' }],
});

export const CommandOutputNote = defineNotification({
  method: 'command_output',
  summary: 'Output of a running approved command as it comes (redacted).',
  direction: 'agent-to-client',
  params: z.object({ taskId: TaskId, requestId: RequestId, stream: z.enum(['stdout', 'stderr']), data: z.string(), redactions: z.number().int() }),
  examples: [{ taskId: 't_1', requestId: 'r_1', stream: 'stdout', data: 'PASS src/auth.test.js\n', redactions: 0 }],
});

export const CommandFinished = defineNotification({
  method: 'command_finished',
  summary: 'An approved command ended: exit code or signal, duration, whether kept output was truncated, redaction count.',
  direction: 'agent-to-client',
  params: z.object({ taskId: TaskId, requestId: RequestId, exitCode: z.number().int().nullable(), signal: z.string().nullable(),
    durationMs: z.number().int(), truncated: z.boolean(), redactions: z.number().int(), timedOut: z.boolean(),
    outcome: CommandOutcome.optional().describe('Set when the agent did not see the command exit (it restarted meanwhile).') }),
  examples: [{ taskId: 't_1', requestId: 'r_1', exitCode: 0, signal: null, durationMs: 1520, truncated: false, redactions: 0, timedOut: false }],
});

/** The backend routes the agent sends into a task through its outbox. */
export const OutboxRoute = z.enum(['sendMessage', 'approveCommand', 'commandOutput', 'commandResult', 'approveFile', 'uploadFile', 'approveWrite'])
  .describe('What the agent sent (the backend route).');
export type OutboxRoute = z.infer<typeof OutboxRoute>;

export const DeliveryFailed = defineNotification({
  method: 'delivery_failed',
  summary: 'The backend refused something the agent sent for good (a 4xx: a decision, command output or result, a file, '
    + 'a message); it will not be retried, so the engineer may not have seen it.',
  direction: 'agent-to-client',
  params: z.object({ taskId: TaskId, route: OutboxRoute, requestId: RequestId.nullable(),
  reason: z.string().describe('The backend\'s error code, e.g. `request_already_answered`.'), message: z.string() }),
  examples: [{ taskId: 't_1', route: 'approveCommand', requestId: 'r_1', reason: 'request_already_answered', message: 'Request r_1 was already answered (denied).' }],
});

export const sessionRequests = [CreateTask, ResumeTask, SendMessage, ApproveCommand, CancelCommand, UploadFile, ApproveWrite, ListPendingRequests, DenyAllRequests, EndSession, RateSession] as const;
export const sessionNotifications = [EngineerConnectedNote, EngineerDisconnectedNote, EngineerMessageNote, RequestCommandNote, RequestFileNote,
  RequestWriteNote, ScreenshareRequestNote, BillingUpdateNote, SessionEndNote, ConnectionState, CommandOutputNote, CommandFinished, RequestResolved, DeliveryFailed] as const;
