// Task events: one stored log per task, each event numbered by a per-task `seq` (1, 2, 3, ...).
// Engineer-side names follow the spec (section 7); customer-side events carry what the customer sent.
import * as z from 'zod';
import { Id, Timestamp } from './define.js';
import { Handoff, TranscriptEntry } from './ai.js';

const RequestId = z.string().min(1).max(64).describe('Id of the engineer request this refers to.');
/** Someone on a task, as others see them (an engineer's `title`, e.g. "ex-FAANG"). */
export const Person = z.object({ id: Id, name: z.string(), title: z.string().nullable() });

export const EngineerConnected = z.object({ engineer: Person });
export const EngineerDisconnected = z.object({ engineer: Person });
export const EngineerMessage = z.object({ text: z.string().min(1).max(20_000) });
/** What an engineer sends to ask for a command (`request_command`); the event adds the `requestId` the server assigns. */
export const CommandAsk = z.object({
  command: z.string().min(1).max(4000),
  reason: z.string().min(1).max(2000),
  cwd: z.string().max(1000).optional().describe('Folder relative to the project root; default the root.'),
});
/** What an engineer sends to ask for a file (`request_file`). */
export const FileAsk = z.object({ path: z.string().min(1).max(1000), reason: z.string().min(1).max(2000) });
/** Only http(s) links: the customer's terminal shows this link to be opened. */
export const ShareUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
/** What an engineer sends to offer a screenshare (`screenshare_request`). */
export const ScreenshareAsk = z.object({ url: ShareUrl });
// As stored and relayed, an event's reason may be empty (what the event log has always accepted).
export const RequestCommand = z.object({ requestId: RequestId, ...CommandAsk.shape, reason: z.string().max(2000) });
export const RequestFile = z.object({ requestId: RequestId, ...FileAsk.shape, reason: z.string().max(2000) });
export const ScreenshareRequest = z.object({ requestId: RequestId, ...ScreenshareAsk.shape });
export const BillingUpdate = z.object({
  minutes: z.number().int().describe('Full minutes billed so far in this task.'),
  creditsUsed: z.number().int(),
  balance: z.number().int(),
  creditsPerMinute: z.number().int(),
  lowBalance: z.boolean().describe('True when fewer than the warning threshold of minutes are left.'),
});
export const SessionSummary = z.object({
  taskId: Id,
  engineer: Person.nullable(),
  durationSeconds: z.number().int().describe('Time from the first engineer connection to the end.'),
  minutes: z.number().int(),
  creditsUsed: z.number().int(),
  endedAt: Timestamp,
  reason: z.enum(['customer_ended', 'engineer_ended', 'credits_exhausted']),
});
export const SessionEnd = SessionSummary;

export const DecidedBy = z.enum(['customer', 'rule', 'timeout', 'policy', 'no_front_end', 'agent'])
  .describe('Who or what made the decision; `agent`: the customer\'s agent refused it at once (a check failed, too many open), '
    + 'so the customer was never asked.');
export type DecidedBy = z.infer<typeof DecidedBy>;

export const CustomerMessage = z.object({ text: z.string().min(1).max(20_000) });
export const CommandDecision = z.object({
  requestId: RequestId,
  decision: z.enum(['allow', 'deny']),
  reason: z.string().max(2000).optional(),
  decidedBy: DecidedBy.optional().describe('Absent from older agents; read as `customer`.'),
});
export const CommandOutput = z.object({
  requestId: RequestId,
  stream: z.enum(['stdout', 'stderr']),
  index: z.number().int().min(0).describe('Chunk number per request, from 0; a repeated index is ignored.'),
  data: z.string().max(256 * 1024),
});
/** How a command ended when the agent did not see it exit: killed as a left-over of an agent that crashed, or unknown. */
export const CommandOutcome = z.enum(['agent_restarted', 'unknown'])
  .describe('`agent_restarted`: the restarted agent found it still running and stopped it; `unknown`: it was gone, its end not seen.');

export const CommandResult = z.object({
  requestId: RequestId,
  exitCode: z.number().int().nullable(),
  signal: z.string().max(20).nullable().default(null),
  durationMs: z.number().int().min(0).optional(),
  truncated: z.boolean().default(false),
  outcome: CommandOutcome.optional(),
  reason: z.string().max(500).optional().describe('Set with `outcome`: what the engineer is told, e.g. "stopped: the customer\'s agent restarted".'),
});
export const FileDecision = z.object({
  requestId: RequestId,
  decision: z.enum(['allow', 'deny']),
  reason: z.string().max(2000).optional(),
  decidedBy: DecidedBy.optional().describe('Absent from older agents; read as `customer`.'),
});
/** A proposed change to one file: its whole new content, or a unified diff against the current one (exactly one). */
export const ProposedChange = z.object({
  path: z.string().min(1).max(1000),
  content: z.string().max(1024 * 1024).optional().describe('The whole new content of the file.'),
  diff: z.string().max(2 * 1024 * 1024).optional().describe('A unified diff for this one file, applied to its current content.'),
  reason: z.string().max(2000),
}).refine((c) => (c.content === undefined) !== (c.diff === undefined), { message: 'give exactly one of content and diff' });
export const RequestWrite = z.object({ requestId: RequestId, path: z.string().min(1).max(1000), reason: z.string().max(2000),
  content: z.string().max(1024 * 1024).optional(), diff: z.string().max(2 * 1024 * 1024).optional() });
export const WriteDecision = z.object({
  requestId: RequestId,
  decision: z.enum(['allow', 'deny']).describe('`allow` is sent only after the change was written.'),
  reason: z.string().max(2000).optional(),
  decidedBy: DecidedBy.optional(),
  diffSha256: z.string().max(64).optional().describe('SHA-256 of the unified diff the customer was shown.'),
});
export const FileUpload = z.object({
  fileId: Id,
  requestId: RequestId.nullable().describe('The request answered, or null when the customer shared it unasked.'),
  path: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  downloadPath: z.string().describe('Engineer route that serves the content.'),
});

/** Every event type and its payload schema. */
export const eventPayloads = {
  engineer_connected: EngineerConnected,
  engineer_disconnected: EngineerDisconnected,
  engineer_message: EngineerMessage,
  request_command: RequestCommand,
  request_file: RequestFile,
  screenshare_request: ScreenshareRequest,
  billing_update: BillingUpdate,
  session_end: SessionEnd,
  customer_message: CustomerMessage,
  command_decision: CommandDecision,
  command_output: CommandOutput,
  command_result: CommandResult,
  file_decision: FileDecision,
  file_upload: FileUpload,
  request_write: RequestWrite,
  write_decision: WriteDecision,
  ai_transcript: TranscriptEntry,
  handoff: Handoff,
} as const;
export type EventType = keyof typeof eventPayloads;
export type EventPayload<T extends EventType> = z.output<(typeof eventPayloads)[T]>;

function envelope<T extends EventType>(type: T) {
  return z.object({
    type: z.literal(type),
    seq: z.number().int().min(1).describe('Per-task sequence number, strictly increasing, no gaps.'),
    taskId: Id,
    timestamp: Timestamp,
    payload: eventPayloads[type],
  });
}
const envelopes = (Object.keys(eventPayloads) as EventType[]).map((t) => envelope(t));
export const TaskEvent = z.discriminatedUnion('type', envelopes as [ReturnType<typeof envelope>, ...ReturnType<typeof envelope>[]])
  .describe('One stored task event as sent on the WebSocket and by the long-poll endpoint.');
export type TaskEvent = { [T in EventType]: { type: T; seq: number; taskId: string; timestamp: string; payload: EventPayload<T> } }[EventType];

export const eventEnvelopes = Object.fromEntries(
  (Object.keys(eventPayloads) as EventType[]).map((t, i) => [t, envelopes[i]]),
) as unknown as Record<EventType, z.ZodType>;
