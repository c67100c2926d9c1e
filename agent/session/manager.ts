// The agent's sessions: createTask starts one, resumeTask loads one from `.codevf/session.json`.
// One live session per project folder (the file holds one task); a new task needs the old one ended.
import path from 'node:path';
import type { z } from 'zod';
import { routes, type ResponseOf } from '../../protocol/backend/index.js';
import type { TaskMode as Mode } from '../../protocol/project.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { outsideRequest } from '../cancel.js';
import type { AgentContext } from '../context.js';
import { findProjectRoot, readProjectConfig } from '../project/config.js';
import { inspectOwnDir } from '../project/own-dir.js';
import { ProjectFiles } from '../security/safe-file.js';
import { getServices } from '../services.js';
import { hostKey } from '../auth/store.js';
import { chooseAiAgent } from '../ai/tools.js';
import { startAi } from './ai-start.js';
import { sessionBackend, type SessionBackend } from './backend.js';
import { sessionConfig } from './config.js';
import { reapOrphans } from './orphans.js';
import { Session } from './session.js';
import { readSessionFile, type SessionFile } from './store.js';

type Task = ResponseOf<typeof routes.tasks.create>;
type TaskMode = z.infer<typeof Mode>;

export class Sessions {
  private byTask = new Map<string, Session>();
  private byRoot = new Map<string, Session>();

  constructor(private agent: AgentContext) {
    agent.onDispose(() => Promise.all([...this.byTask.values()].map((s) => s.dispose())).then(() => {}));
  }

  get(taskId: string): Session {
    const s = this.byTask.get(taskId);
    if (!s) throw new RpcError(ErrorCode.NotFound, `No session for task ${taskId} in this agent. Call createTask or resumeTask first.`, 'not_found');
    return s;
  }

  all(): Session[] { return [...this.byTask.values()]; }

  /** The session holding a pending request or running command with this id. */
  byRequest(requestId: string): Session {
    for (const s of this.byTask.values()) {
      if (s.requests.holds(requestId) || s.running.has(requestId)) return s;
    }
    throw new RpcError(ErrorCode.NotFound, `No pending request ${requestId}: it was answered, timed out, or never existed. Call listPendingRequests.`, 'not_found');
  }

  /** The project root: the nearest folder with `.codevf/config.json`, else the folder itself. Its `.codevf`
   *  is checked before anything is written (no link, nothing another user owns). */
  private async root(cwd?: string): Promise<string> {
    const dir = path.resolve(this.agent.options.cwd, cwd ?? '.');
    const root = (await findProjectRoot(dir)) ?? dir;
    await inspectOwnDir(root);
    return root;
  }

  private async backend(host: string | null): Promise<{ backend: SessionBackend; host: string }> {
    const services = getServices(this.agent);
    const client = await services.backend(host ?? undefined);
    return { backend: sessionBackend(client), host: client.baseUrl };
  }

  private async open(root: string, file: SessionFile, backend: SessionBackend, host: string): Promise<Session> {
    const cfg = { ...sessionConfig(this.agent.options.env), ...this.agent.options.limits };
    const files = await ProjectFiles.open(root);
    const s = new Session({ agent: this.agent, backend, cfg, root, host, files }, file);
    this.byTask.set(s.taskId, s);
    this.byRoot.set(root, s);
    s.whenEnded(() => { if (this.byRoot.get(root) === s) this.byRoot.delete(root); });
    return s;
  }

  async create(description: string, cwd?: string, ai: { mode?: TaskMode; aiTool?: string } = {}): Promise<{ s: Session; task: Task }> {
    const root = await this.root(cwd);
    const live = this.byRoot.get(root);
    if (live && !live.ended) {
      throw new RpcError(ErrorCode.Conflict, `Task ${live.taskId} is still live in ${root}; end it with endSession first.`, 'session_active', { taskId: live.taskId });
    }
    // No config: a session without a project. An invalid one is an error naming the field, never ignored.
    const config = await readProjectConfig(root).catch((err) => {
      if (err instanceof RpcError && err.code === ErrorCode.NoProject) return null;
      throw err;
    });
    const projectId = config?.projectId;
    const mode = ai.mode ?? config?.mode ?? 'human';
    // The AI agent is chosen (and refused when not allowed) before anything is created.
    const chosen = mode === 'human' ? null : await chooseAiAgent(ai.aiTool, config?.allowedTools ?? [], this.agent.options.env);
    const { backend, host } = await this.backend(null);
    const task = await backend.call(routes.tasks.create, { body: { issue: description, ...(projectId ? { projectId } : {}), mode,
      ...(chosen ? { aiTool: chosen.name } : {}) } }).catch((e: unknown) => {
      // The free allowance used up is a reason of its own: a front end offers a human instead.
      if (e instanceof RpcError && e.data.backendCode === 'ai_allowance_exhausted') {
        const { reason: _r, ...data } = e.data;
        throw new RpcError(ErrorCode.BackendError, e.message, 'ai_allowance_exhausted', data);
      }
      throw e;
    });
    const s = await this.open(root, {
      version: 1, taskId: task.taskId, host, status: task.status, lastSeq: 0, engineer: task.engineer?.name ?? null,
      pending: [], sessionRules: [], outbox: [], running: [], updatedAt: new Date().toISOString(),
    }, backend, host);
    s.saver.schedule();
    await s.saver.flush();
    s.start();
    if (chosen) outsideRequest(() => startAi(s, task, chosen, config, description)); // the AI agent outlives createTask
    return { s, task };
  }

  async resume(taskId: string | undefined, cwd?: string): Promise<Session> {
    const root = await this.root(cwd);
    const live = this.byRoot.get(root);
    if (live && (!taskId || live.taskId === taskId)) return live;
    const file = await readSessionFile(root);
    if (!file || (taskId && file.taskId !== taskId)) {
      throw new RpcError(ErrorCode.NotFound, `No saved session${taskId ? ` for task ${taskId}` : ''} in ${root}/.codevf/session.json.`, 'not_found');
    }
    // The file names the backend it belongs to; only the one this agent is configured for gets the token.
    const configured = getServices(this.agent).hostFor();
    const saved = file.host ? hostKey(file.host) : configured;
    if (saved !== configured) {
      throw new RpcError(ErrorCode.Forbidden, `The saved session belongs to ${saved}, not ${configured}. `
        + `Start the agent with --host ${saved} to resume it, or delete .codevf/session.json.`, 'host_mismatch');
    }
    const { backend, host } = await this.backend(configured);
    const task = await backend.call(routes.tasks.get, { params: [file.taskId] });
    const s = await this.open(root, { ...file, status: file.status === 'ended' ? 'ended' : task.status }, backend, host);
    await reapOrphans(s.kindDeps, file.running);
    if (s.ended) return s;
    await s.requests.redeliver();
    s.start();
    return s;
  }
}
