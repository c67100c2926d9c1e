// AI sessions on the backend: the mode a task starts in, the transcript an AI session leaves for the
// engineer, and the hand-off that puts the task in the human queue. Every entry is redacted by the agent
// before it is sent; the backend stores and shows it, nothing more.
import * as z from 'zod';
import { TaskMode } from '../project.js';
import { endpoint } from './define.js';

export { TaskMode };
export type TaskMode = z.infer<typeof TaskMode>;

export const AiToolName = z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, . _ or -');

export const HandoffReason = z.enum([
  'customer_asked', 'ai_exited', 'ai_failed', 'ai_refused', 'ai_out_of_budget', 'turn_limit', 'time_limit',
  'ai_allowance_exhausted',
]).describe('Why the task went to a human: the customer asked, the AI agent exited, failed, refused (gave up), ran out of budget, '
  + 'a turn or time limit passed, or the free AI allowance was used up.');
export type HandoffReason = z.infer<typeof HandoffReason>;

const RequestId = z.string().min(1).max(64);
const Text = z.string().max(20_000);

/** One step of an AI session as the engineer will see it (already redacted by the agent). */
export const TranscriptEntry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), from: z.enum(['ai', 'customer']), text: Text }),
  z.object({ type: z.literal('request'), requestId: RequestId, kind: z.enum(['command', 'file', 'write', 'permission']),
    subject: z.string().max(4000).describe('The command, or the path read or written.'), reason: z.string().max(2000) }),
  z.object({ type: z.literal('decision'), requestId: RequestId, decision: z.enum(['allow', 'deny']), decidedBy: z.string().max(40) }),
  z.object({ type: z.literal('output'), requestId: RequestId, text: Text.describe('Redacted output, the tail when long.'),
    exitCode: z.number().int().nullable().optional() }),
]);
export type TranscriptEntry = z.infer<typeof TranscriptEntry>;

export const HandoffRequest = z.object({
  reason: HandoffReason,
  detail: z.string().max(2000).optional().describe('What happened, in a sentence (e.g. the AI agent\'s exit code).'),
  transcript: z.array(TranscriptEntry).max(500),
});
export const Handoff = z.object({ reason: HandoffReason, detail: z.string().nullable(), aiTool: z.string().nullable(), entries: z.number().int() });

export const aiTaskRoutes = {
  handoff: endpoint({ method: 'POST', pattern: '/api/cli/tasks/:taskId/handoff', auth: 'customer', scope: 'tasks', idempotency: 'required',
    summary: 'Moves an AI or hybrid task to the human queue with the AI transcript stored as events.', body: HandoffRequest, response: Handoff }),
};
