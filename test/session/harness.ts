// A whole session for tests and the bench: the real sandbox, the real agent over pipes (with a front end
// that declares approvals unless told otherwise), a project folder, and a scripted engineer on the task.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Initialize } from '../../protocol/methods/lifecycle.js';
import { CreateTask } from '../../protocol/methods/session.js';
import { typedAgent, type ClientKind } from '../helpers/agent.js';
import { ScriptedEngineer } from '../helpers/engineer.js';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { EngineerConnectedNote } from '../../protocol/index.js';

export type Agent = Awaited<ReturnType<typeof typedAgent>>;

export interface AgentSetup { approvals?: boolean; env?: NodeJS.ProcessEnv; args?: string[]; host?: string; client?: ClientKind }

export async function startAgent(sb: Sandbox, dir: string, home: string, o: AgentSetup = {}): Promise<Agent> {
  const agent = await typedAgent({
    cwd: dir, initialize: false, args: o.args, client: o.client,
    env: { CODEVF_HOST: o.host ?? sb.url, CODEVF_TOKEN: sb.customerToken, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), ...o.env },
  });
  // An agent that dies mid-test says why (the test then fails on its own assertion or timeout).
  let closing = false;
  const close = agent.close.bind(agent);
  agent.close = async () => { closing = true; await close(); };
  void agent.exited.then((e) => {
    if (!closing && e.signal !== 'SIGKILL') process.stderr.write(`agent exited unexpectedly (${e.code ?? e.signal}):\n${agent.stderr().slice(-3000)}\n`);
  });
  await agent.request(Initialize, { clientInfo: { name: 'session-test', version: '1' },
    capabilities: o.approvals === false ? {} : { approvals: true } });
  return agent;
}

export interface World {
  sb: Sandbox;
  dir: string;
  home: string;
  agent: Agent;
  eng: ScriptedEngineer;
  taskId: string;
  /** Engineer claims and connects; resolves once the agent has told the front end. */
  engineerJoins(): Promise<void>;
  cleanup(): Promise<void>;
}

export interface Front { url: string; close(): Promise<void> }

export async function startWorld(o: AgentSetup & { sandboxArgs?: string[]; dir?: string; front?: (sb: Sandbox) => Promise<Front> } = {}): Promise<World> {
  const sb = await startSandbox({ args: o.sandboxArgs });
  const front = o.front ? await o.front(sb) : undefined;
  if (front) o = { ...o, host: front.url };
  const dir = o.dir ?? await mkdtemp(join(tmpdir(), 'cvf-proj-'));
  const home = await mkdtemp(join(tmpdir(), 'cvf-home-'));
  const agent = await startAgent(sb, dir, home, o);
  const { taskId } = await agent.request(CreateTask, { description: 'users cannot log in' });
  const eng = new ScriptedEngineer(sb.url, sb.engineerToken);
  const w: World = {
    sb, dir, home, agent, eng, taskId,
    async engineerJoins() {
      await eng.claim(taskId);
      await eng.connect(taskId);
      await w.agent.waitFor(EngineerConnectedNote);
    },
    async cleanup() {
      await eng.close().catch(() => {});
      await w.agent.close().catch(() => {});
      await front?.close();
      await sb.stop().catch(() => {});
      await rm(home, { recursive: true, force: true });
      if (!o.dir) await rm(dir, { recursive: true, force: true });
    },
  };
  return w;
}
