// Starting the AI part of an `ai` or `hybrid` task: the AI agent chosen from the project's allowedTools,
// its requests through the session's gate, its transcript handed to the backend on hand-off, and what the
// customer is told. Also the hand-off of a hybrid task that the backend sent to a human at once.
import { routes, type ResponseOf } from '../../protocol/backend/index.js';
import { HandoffNote } from '../../protocol/methods/ai.js';
import type { ProjectConfig } from '../../protocol/project.js';
import { AiSession } from '../ai/session.js';
import type { ChosenAgent } from '../ai/tools.js';
import { aiGate } from './ai-gate.js';
import type { Session } from './session.js';

type Task = ResponseOf<typeof routes.tasks.create>;

export function startAi(s: Session, task: Task, chosen: ChosenAgent, config: ProjectConfig | null, issue: string): void {
  const { agent } = s;
  const { backend, files: { root } } = s.deps;
  if (task.handedOffAt) {
    // Hybrid past the free allowance: the backend put the task in the human queue at once.
    void agent.notify(HandoffNote, { taskId: s.taskId, reason: 'ai_allowance_exhausted', aiTool: chosen.name, transcript: [],
      detail: 'Your free AI allowance for today is used up; a human engineer takes the task.' });
    return;
  }
  const requester = { type: 'ai' as const, name: chosen.title, tool: chosen.name };
  let ai: AiSession;
  const gate = aiGate(s, requester, {
    asked: (id, kind, subject, reason) => ai.transcript.request(id, kind, subject, reason),
    decided: (id, decision, by) => ai.transcript.decision(id, decision, by),
    output: (id, text, exitCode) => ai.transcript.output(id, text, exitCode),
  });
  ai = new AiSession({
    taskId: s.taskId, root, mode: task.mode === 'ai' ? 'ai' : 'hybrid', chosen, env: agent.options.env, log: agent.log,
    notify: agent.notify, gate, limits: config?.ai ?? {},
    handoff: async (reason, detail, transcript) => {
      await s.audit.append({ event: 'handoff', taskId: s.taskId, aiTool: chosen.name, reason: `${reason}${detail ? `: ${detail}` : ''}` });
      return backend.call(routes.tasks.handoff, { params: [s.taskId], body: { reason, ...(detail ? { detail } : {}), transcript } });
    },
    onStopped: () => s.requests.closeLocal('The AI agent stopped before an answer.'),
  });
  s.ai = ai;
  void s.audit.append({ event: 'ai_started', taskId: s.taskId, aiTool: chosen.name, command: [chosen.command, ...chosen.args].join(' ') });
  s.whenEnded(() => void ai.stop());
  void ai.start(issue).catch((e) => agent.log.error('the AI session failed to start', e));
}
