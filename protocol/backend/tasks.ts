// Live debug tasks: customer routes, engineer routes, and the frames both send on their task WebSocket.
import * as z from 'zod';
import { endpoint, Id, Timestamp } from './define.js';
import {
  CommandAsk, CommandDecision, CommandOutput, CommandResult, CustomerMessage, EngineerMessage, FileAsk, FileDecision, Person, ProposedChange,
  ScreenshareAsk, WriteDecision, SessionSummary, TaskEvent,
} from './events.js';
import { AiToolName, TaskMode } from './ai.js';

export const CreateTaskRequest = z.object({
  issue: z.string().min(1).max(4000).describe('What is wrong, in the customer\'s words.'),
  projectId: Id.optional(),
  snapshotId: Id.optional(),
  mode: TaskMode.default('human'),
  aiTool: AiToolName.optional().describe('The AI agent (an `allowedTools` name) in `ai` and `hybrid` mode.'),
});
export const Task = z.object({
  taskId: Id,
  status: z.enum(['open', 'active', 'ended']).describe('`open` waits for an engineer, `active` has one.'),
  issue: z.string(),
  projectId: Id.nullable(),
  snapshotId: Id.nullable(),
  customer: Person.pick({ id: true, name: true }),
  engineer: Person.nullable(),
  creditsPerMinute: z.number().int(),
  creditsUsed: z.number().int(),
  lastSeq: z.number().int().describe('Seq of the newest stored event, 0 when none.'),
  rating: z.number().int().nullable(),
  createdAt: Timestamp,
  claimedAt: Timestamp.nullable(),
  endedAt: Timestamp.nullable(),
  mode: TaskMode,
  aiTool: z.string().nullable(),
  handedOffAt: Timestamp.nullable().describe('When an AI or hybrid task went to the human queue; null while only the AI works.'),
});
export const TaskList = z.object({ tasks: z.array(Task) });

export const UploadFileRequest = z.object({
  requestId: z.string().min(1).max(64).nullable().default(null).describe('The `request_file` answered; null when unasked.'),
  path: z.string().min(1).max(1000),
  contentBase64: z.string().max(14 * 1024 * 1024).describe('File content, base64; at most 10 MiB decoded.'),
});
export const Posted = z.object({
  seq: z.number().int().describe('Seq of the stored event (the same on a retried request).'),
  requestId: z.string().optional().describe('For engineer requests: the id the customer\'s answer refers to.'),
});
export type Posted = z.infer<typeof Posted>;
export const RateRequest = z.object({
  rating: z.number().int().min(1, 'rating must be 1 to 5').max(5, 'rating must be 1 to 5'),
  comment: z.string().max(2000).optional(),
});
export const Rating = z.object({ taskId: Id, rating: z.number().int(), comment: z.string().nullable() });
export const EventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0).describe('Return events with seq greater than this.'),
  wait: z.coerce.number().min(0).max(60).default(0).describe('Seconds to wait for a new event when none is there.'),
});
export const EventsPage = z.object({
  events: z.array(TaskEvent),
  lastSeq: z.number().int().describe('Pass as `after` on the next call.'),
  ended: z.boolean(),
});

/** What a customer may send on its task WebSocket (also reachable as REST routes). */
export const CustomerAction = z.discriminatedUnion('type', [
  z.object({ type: z.literal('customer_message'), payload: CustomerMessage }),
  z.object({ type: z.literal('command_decision'), payload: CommandDecision }),
  z.object({ type: z.literal('command_output'), payload: CommandOutput }),
  z.object({ type: z.literal('command_result'), payload: CommandResult }),
  z.object({ type: z.literal('file_decision'), payload: FileDecision }),
  z.object({ type: z.literal('write_decision'), payload: WriteDecision }),
  z.object({ type: z.literal('file_upload'), payload: UploadFileRequest }),
]);
/** What an engineer may send; the server assigns every request its `requestId`. */
export const EngineerAction = z.discriminatedUnion('type', [
  z.object({ type: z.literal('engineer_message'), payload: EngineerMessage }),
  z.object({ type: z.literal('request_command'), payload: CommandAsk }),
  z.object({ type: z.literal('request_file'), payload: FileAsk }),
  z.object({ type: z.literal('request_write'), payload: ProposedChange }),
  z.object({ type: z.literal('screenshare_request'), payload: ScreenshareAsk }),
  z.object({ type: z.literal('end_session'), payload: z.object({}) }),
]);
const frameId = z.string().min(1).max(200).describe('Idempotency key: a resent frame with the same id is stored once.');
export const CustomerFrame = CustomerAction.and(z.object({ id: frameId }));
export const EngineerFrame = EngineerAction.and(z.object({ id: frameId }));
export const AckFrame = z.object({
  type: z.literal('ack'),
  id: z.string(),
  result: z.unknown().describe('What the matching REST route answers (e.g. `{seq, requestId}`).'),
});
export const ErrorFrame = z.object({
  type: z.literal('error'),
  id: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }),
});

export const taskRoutes = {
  create: endpoint({ method: 'POST', pattern: '/api/cli/tasks/create', auth: 'customer', scope: 'tasks', idempotency: 'optional',
    summary: 'Create a debug task.', body: CreateTaskRequest, response: Task }),
  list: endpoint({ method: 'GET', pattern: '/api/cli/tasks', auth: 'customer', scope: 'tasks', summary: 'The customer\'s tasks.', response: TaskList }),
  get: endpoint({ method: 'GET', pattern: '/api/cli/tasks/:taskId', auth: 'customer', scope: 'tasks', summary: 'One task.', response: Task }),
  /** WebSocket when upgraded (bearer in Authorization), otherwise a long poll (`?after=&wait=`). */
  events: endpoint({ method: 'GET', pattern: '/api/cli/tasks/:taskId/events', auth: 'customer', scope: 'tasks',
    summary: 'Events after `after`: WebSocket on upgrade, else long poll.', response: EventsPage }),
  sendMessage: endpoint({ method: 'POST', pattern: '/api/cli/tasks/:taskId/send-message', auth: 'customer', scope: 'tasks',
    idempotency: 'required', summary: 'Chat message to the engineer.', body: CustomerMessage, response: Posted }),
  approveCommand: endpoint({ method: 'POST', pattern: '/api/cli/tasks/:taskId/approve-command', auth: 'customer', scope: 'tasks',
    idempotency: 'required', summary: 'Allow or deny a `request_command`.', body: CommandDecision, response: Posted }),
  commandOutput: endpoint({ method: 'POST', pattern: '/api/cli/tasks/:taskId/command-output', auth: 'customer', scope: 'tasks',
    idempotency: 'required', summary: 'One chunk of a running command\'s output.', body: CommandOutput, response: Posted }),
  commandResult: endpoint({ method: 'POST', pattern: '/api/cli/tasks/:taskId/command-result', auth: 'customer', scope: 'tasks',
    idempotency: 'required', summary: 'How an allowed command ended.', body: CommandResult, response: Posted }),
  approveFile: endpoint({ method: 'POST', pattern: '/api/cli/tasks/:taskId/approve-file', auth: 'customer', scope: 'tasks',
    idempotency: 'required', summary: 'Allow or deny a `request_file` (allow is followed by upload-file).', body: FileDecision, response: Posted }),
  approveWrite: endpoint({ method: 'POST', pattern: '/api/cli/tasks/:taskId/approve-write', auth: 'customer', scope: 'tasks',
    idempotency: 'required', summary: 'Allow (after writing it) or deny a `request_write`.', body: WriteDecision, response: Posted }),
  uploadFile: endpoint({ method: 'POST', pattern: '/api/cli/tasks/:taskId/upload-file', auth: 'customer', scope: 'tasks',
    idempotency: 'required', summary: 'Send a file, answering a request or unasked.', body: UploadFileRequest, response: Posted }),
  endSession: endpoint({ method: 'POST', pattern: '/api/cli/tasks/:taskId/end-session', auth: 'customer', scope: 'tasks',
    summary: 'End the session; answers the summary (same summary when repeated).', body: z.object({}), response: SessionSummary }),
  rate: endpoint({ method: 'POST', pattern: '/api/cli/tasks/:taskId/rate', auth: 'customer', scope: 'tasks', idempotency: 'optional',
    summary: 'Rate the engineer after the session.', body: RateRequest, response: Rating }),
};

export const engineerRoutes = {
  openTasks: endpoint({ method: 'GET', pattern: '/api/engineer/tasks', auth: 'engineer', scope: 'engineer',
    summary: 'Tasks waiting for an engineer, and the engineer\'s own active ones.', response: TaskList }),
  claim: endpoint({ method: 'POST', pattern: '/api/engineer/tasks/:taskId/claim', auth: 'engineer', scope: 'engineer',
    summary: 'Take an open task (repeating it as the same engineer is harmless).', body: z.object({}), response: Task }),
  get: endpoint({ method: 'GET', pattern: '/api/engineer/tasks/:taskId', auth: 'engineer', scope: 'engineer', summary: 'One claimed task.', response: Task }),
  /** WebSocket: the engineer's live connection; billing runs while one is open. Long poll without upgrade. */
  events: endpoint({ method: 'GET', pattern: '/api/engineer/tasks/:taskId/ws', auth: 'engineer', scope: 'engineer',
    summary: 'Engineer WebSocket (`?after=`), long poll when not upgraded.', response: EventsPage }),
  act: endpoint({ method: 'POST', pattern: '/api/engineer/tasks/:taskId/actions', auth: 'engineer', scope: 'engineer',
    idempotency: 'required', summary: 'Send an engineer action over HTTP instead of the socket.', body: EngineerAction, response: Posted }),
  file: endpoint({ method: 'GET', pattern: '/api/engineer/tasks/:taskId/files/:fileId', auth: 'engineer', scope: 'engineer',
    summary: 'Content of a file the customer uploaded (raw bytes).', response: z.unknown() }),
};
