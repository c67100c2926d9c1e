// An ACP client made with the official SDK (@agentclientprotocol/sdk) driving the real `codevf-agent --acp`
// against the real sandbox, with a scripted engineer. Permission prompts are answered by `answer`.
import * as acp from '@agentclientprotocol/sdk';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { spawnAgentProcess, withTimeout } from '../helpers/agent.js';
import { ScriptedEngineer } from '../helpers/engineer.js';
import { tempEnv } from '../helpers/env.js';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';

export type Answer = (req: acp.RequestPermissionRequest) => acp.RequestPermissionResponse;

/** Picks the option of this kind (fails the prompt, and so denies, if it was not offered). */
export const choose = (kind: acp.PermissionOptionKind): Answer => (req) => {
  const opt = req.options.find((o) => o.kind === kind);
  if (!opt) throw new Error(`no ${kind} option offered: ${JSON.stringify(req.options)}`);
  return { outcome: { outcome: 'selected', optionId: opt.optionId } };
};

export interface AcpWorld {
  sb: Sandbox;
  dir: string;
  agent: acp.ClientContext;
  updates: acp.SessionNotification[];
  permissions: acp.RequestPermissionRequest[];
  answer: Answer;
  stderr(): string;
  /** Ends the agent's stdin, as an editor closing the chat does. */
  closeInput(): void;
  waitUpdate(pred: (u: acp.SessionUpdate) => boolean, what: string, ms?: number): Promise<acp.SessionUpdate>;
  waitPermission(what: string, ms?: number): Promise<acp.RequestPermissionRequest>;
  /** initialize + session/new, then (unless `join: false`) the engineer claims and connects. */
  startSession(o?: { join?: boolean }): Promise<{ sessionId: string; eng: ScriptedEngineer }>;
  cleanup(): Promise<void>;
}

/** `args`/`env`: how the agent is launched (default `--acp`); an editor's config can supply them. */
export async function startAcpWorld(o: { token?: string; args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<AcpWorld> {
  const sb = await startSandbox();
  const dir = await mkdtemp(join(tmpdir(), 'cvf-acp-proj-'));
  const home = tempEnv(sb.url, { CODEVF_TOKEN: o.token ?? sb.customerToken, CODEVF_ACP_QUIET_MS: '300', ...o.env });
  const child = spawnAgentProcess(o.args ?? ['--acp'], home.env, dir);
  const listeners = new Set<() => void>();
  const changed = () => { for (const l of [...listeners]) l(); };
  const engineers: ScriptedEngineer[] = [];

  const app = acp.client({ name: 'codevf-acp-test' })
    .onNotification('session/update', ({ params }) => { w.updates.push(params); changed(); })
    .onRequest('session/request_permission', ({ params }) => {
      w.permissions.push(params);
      changed();
      return w.answer(params);
    });
  const conn = app.connect(acp.ndJsonStream(Writable.toWeb(child.proc.stdin) as WritableStream<Uint8Array>,
    Readable.toWeb(child.proc.stdout) as ReadableStream<Uint8Array>));

  /** Resolves with the first item `find` returns, re-checking on every update or prompt. */
  const until = <T>(find: () => T | undefined, what: string, ms: number) => withTimeout(new Promise<T>((resolve) => {
    const check = () => { const v = find(); if (v !== undefined) { listeners.delete(check); resolve(v); } };
    listeners.add(check);
    check();
  }), ms, `${what}; updates: ${JSON.stringify(w.updates.map((n) => n.update)).slice(0, 3000)}\nagent stderr: ${child.stderr()}`);

  let seenPermissions = 0;
  const w: AcpWorld = {
    sb, dir, agent: conn.agent, updates: [], permissions: [],
    answer: choose('reject_once'),
    stderr: child.stderr,
    closeInput: () => child.proc.stdin.end(),
    waitUpdate: (pred, what, ms = 15_000) => until(() => w.updates.map((n) => n.update).find(pred), what, ms),
    waitPermission: (what, ms = 15_000) => until(() => w.permissions[seenPermissions] && w.permissions[seenPermissions++], what, ms),
    async startSession({ join = true } = {}) {
      await conn.agent.request('initialize', { protocolVersion: acp.PROTOCOL_VERSION, clientCapabilities: {}, clientInfo: { name: 'acp-test', version: '1' } });
      const { sessionId } = await conn.agent.request('session/new', { cwd: dir, mcpServers: [] });
      const eng = new ScriptedEngineer(sb.url, sb.engineerToken);
      engineers.push(eng);
      if (join) {
        await eng.claim(sessionId);
        await eng.connect(sessionId);
      }
      return { sessionId, eng };
    },
    async cleanup() {
      for (const e of engineers) await e.close().catch(() => {});
      conn.close();
      child.proc.stdin.end();
      const t = setTimeout(() => child.proc.kill('SIGKILL'), 5000);
      await child.exited;
      clearTimeout(t);
      await sb.stop().catch(() => {});
      home.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return w;
}

/** The text of a text content block, or of a tool call's text contents. */
export function textOf(u: acp.SessionUpdate): string {
  if ((u.sessionUpdate === 'agent_message_chunk' || u.sessionUpdate === 'agent_thought_chunk') && u.content.type === 'text') return u.content.text;
  if (u.sessionUpdate === 'tool_call' || u.sessionUpdate === 'tool_call_update') {
    return (u.content ?? []).map((c) => (c.type === 'content' && c.content.type === 'text' ? c.content.text : '')).join('\n');
  }
  return '';
}
