// AI and hybrid modes on the agent's wire: what the AI agent says (its own notification, never mixed with
// an engineer's words), its state, the hand-off to a human (with exactly what the engineer will see), and
// `escalate`, the customer asking for a human. The AI's requests use the ordinary request notifications.
import * as z from 'zod';
import { HandoffReason, TranscriptEntry } from '../backend/ai.js';
import { defineNotification, defineRequest } from '../define.js';

const TaskId = z.string().min(1).describe('The task (session) id.');
const Ai = {
  taskId: TaskId,
  aiTool: z.string().describe('The `allowedTools` name of the AI agent, e.g. `opencode`.'),
  aiTitle: z.string().describe('How to name the AI to the customer, e.g. `OpenCode`.'),
};

export const AiMessageNote = defineNotification({
  method: 'ai_message',
  summary: 'Text the AI agent says (streamed in chunks). Front ends show it as the AI\'s words, with its name, never as a person\'s.',
  direction: 'agent-to-client',
  params: z.object({ ...Ai, text: z.string() }),
  examples: [{ taskId: 't_1', aiTool: 'opencode', aiTitle: 'OpenCode', text: 'Let me run the tests first.' }],
});

export const AiStateNote = defineNotification({
  method: 'ai_state',
  summary: 'The AI agent\'s state: `starting`, `ready` (waiting for the customer), `working` (a turn runs), `stopped` (it ended; a hand-off may follow).',
  direction: 'agent-to-client',
  params: z.object({ ...Ai, state: z.enum(['starting', 'ready', 'working', 'stopped']),
    detail: z.string().nullable().describe('E.g. the turn\'s stop reason or why the AI agent stopped.') }),
  examples: [{ taskId: 't_1', aiTool: 'opencode', aiTitle: 'OpenCode', state: 'ready', detail: null }],
});

export const HandoffNote = defineNotification({
  method: 'handoff',
  summary: 'The task went to a human engineer: why, and the transcript (redacted) the engineer sees before joining.',
  direction: 'agent-to-client',
  params: z.object({ taskId: TaskId, reason: HandoffReason, detail: z.string().nullable(), aiTool: z.string().nullable(),
    transcript: z.array(TranscriptEntry).describe('Exactly what was sent to the engineer.') }),
  examples: [{ taskId: 't_1', reason: 'customer_asked', detail: null, aiTool: 'opencode', transcript: [{ type: 'message', from: 'ai', text: 'I ran the tests.' }] }],
});

export const Escalate = defineRequest({
  method: 'escalate',
  summary: 'The customer asks for a human engineer during an AI session (`/human` in the terminal): the AI agent is stopped, '
    + 'the task goes to the human queue with the AI transcript, and `handoff` follows.',
  params: z.object({ taskId: TaskId, detail: z.string().max(2000).optional() }),
  result: z.object({ taskId: TaskId, reason: HandoffReason, entries: z.number().int().describe('Transcript entries sent to the engineer.') }),
  errors: ['not_found', 'not_an_ai_session', 'already_handed_off', 'insufficient_credits', 'network_unreachable'],
  examples: [{ params: { taskId: 't_1' }, result: { taskId: 't_1', reason: 'customer_asked', entries: 12 } }],
});

export const aiRequests = [Escalate] as const;
export const aiNotifications = [AiMessageNote, AiStateNote, HandoffNote] as const;
