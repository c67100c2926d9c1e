// The live session's methods: createTask, resumeTask, sendMessage, approveCommand, cancelCommand,
// uploadFile, listPendingRequests, endSession, rateSession. The work lives in agent/session/.
import { routes } from '../../protocol/backend/index.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import {
  ApproveCommand, ApproveWrite, CancelCommand, CreateTask, DenyAllRequests, EndSession, ListPendingRequests, RateSession, ResumeTask, SendMessage, UploadFile,
} from '../../protocol/methods/session.js';
import { Escalate } from '../../protocol/methods/ai.js';
import type { Feature } from '../context.js';
import { getServices } from '../services.js';
import { shareUnasked } from '../session/kinds/file.js';
import { Sessions } from '../session/manager.js';

/** How long sendMessage waits for delivery before answering `queued: true` (it is still delivered later). */
const SEND_WAIT_MS = 5000;

export const session: Feature = (router, agent) => {
  const sessions = new Sessions(agent);

  router.on(CreateTask, async (p) => {
    const { s, task } = await sessions.create(p.description, p.cwd, { mode: p.mode, aiTool: p.aiTool });
    return { taskId: s.taskId, status: s.status, mode: task.mode, aiTool: task.aiTool };
  });

  router.on(ResumeTask, async (p) => {
    const s = await sessions.resume(p.taskId, p.cwd);
    return { taskId: s.taskId, status: s.status, lastSeq: s.handledSeq, pending: s.requests.list() };
  });

  router.on(SendMessage, async (p) => {
    const s = sessions.get(p.taskId);
    if (s.ended) throw new RpcError(ErrorCode.Conflict, `Task ${p.taskId} has ended; start a new one with createTask.`, 'session_ended');
    // While the AI agent works, the customer talks to it: the message is its next prompt, not sent to the backend.
    if (s.ai && !s.ai.handedOff) {
      if (!s.ai.running) throw new RpcError(ErrorCode.Conflict, 'The AI agent has stopped; ask for a human engineer with escalate (/human).', 'ai_stopped');
      s.ai.say(p.text);
      return { queued: false, seq: null };
    }
    const delivered = s.outbox.enqueue('sendMessage', { text: p.text });
    const timeout = new Promise<'queued'>((r) => setTimeout(() => r('queued'), SEND_WAIT_MS).unref());
    const r = await Promise.race([delivered, timeout]);
    if (r instanceof RpcError) throw r;
    return r === 'queued' ? { queued: true, seq: null } : { queued: false, seq: r.seq };
  });

  router.on(Escalate, async (p) => {
    const s = sessions.get(p.taskId);
    if (!s.ai) throw new RpcError(ErrorCode.Conflict, `Task ${p.taskId} is not an AI session; an engineer is already asked for.`, 'not_an_ai_session');
    const r = await s.ai.handoff('customer_asked', p.detail ?? null);
    return { taskId: p.taskId, ...r };
  });

  router.on(ApproveWrite, (p) => sessions.byRequest(p.requestId).requests.answer('write', p));

  router.on(ApproveCommand, (p) => sessions.byRequest(p.requestId).requests.answer('command', p));

  router.on(CancelCommand, (p) => {
    const s = sessions.all().find((x) => x.running.has(p.requestId));
    return { requestId: p.requestId, killed: s ? s.running.cancel(p.requestId) : false };
  });

  router.on(UploadFile, (p) => {
    if ('requestId' in p) return sessions.byRequest(p.requestId).requests.answer('file', p);
    return shareUnasked(p.path, p.override, sessions.get(p.taskId).kindDeps);
  });

  router.on(ListPendingRequests, (p) => ({
    requests: sessions.all().filter((s) => !p.taskId || s.taskId === p.taskId).flatMap((s) => s.requests.list()),
  }));

  router.on(DenyAllRequests, async (p) => {
    const denied: string[] = [];
    for (const s of sessions.all().filter((x) => !p.taskId || x.taskId === p.taskId)) denied.push(...await s.requests.denyAll());
    return { denied };
  });

  router.on(EndSession, async (p) => {
    const s = sessions.get(p.taskId);
    await s.settle(5000);
    const { backend } = s.deps;
    await s.end('the customer ended the session');
    await s.outbox.drain(3000);
    const summary = await backend.call(routes.tasks.endSession, { params: [p.taskId], body: {} });
    await s.saver.flush();
    return summary;
  });

  router.on(RateSession, async (p) => {
    const live = sessions.all().find((s) => s.taskId === p.taskId);
    const backend = live?.deps.backend ?? await getServices(agent).backend();
    return backend.call(routes.tasks.rate, { params: [p.taskId], body: { rating: p.rating, comment: p.comment } });
  });
};
