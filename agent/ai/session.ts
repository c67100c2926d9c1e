// One AI session inside a task (AI and hybrid modes): the AI agent as a subprocess spoken to over ACP,
// the customer's messages as its prompts, its words as `ai_message`, every request it makes through the
// gate, and the hand-off to a human — asked for (`escalate`), or on its own in hybrid mode when the AI
// agent exits or fails, ends a turn refusing or out of budget, or passes the turn or time limit.
import path from 'node:path';
import type { HandoffReason, TranscriptEntry } from '../../protocol/backend/index.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { AiMessageNote, AiStateNote, HandoffNote } from '../../protocol/methods/ai.js';
import type { AgentContext } from '../context.js';
import type { Logger } from '../log.js';
import { AcpTextChunk } from '../../protocol/acp-client.js';
import { AiAgentProcess, describeExit, type AiClientHandlers } from './acp-client.js';
import type { AiGate } from './gate.js';
import { decidePermission } from './permission.js';
import { shellLine, Terminals } from './terminals.js';
import type { ChosenAgent } from './tools.js';
import { Transcript } from './transcript.js';

export interface AiLimits { maxTurns?: number; maxMinutes?: number }

export interface AiSessionDeps {
  taskId: string;
  root: string;
  mode: 'ai' | 'hybrid';
  chosen: ChosenAgent;
  env: NodeJS.ProcessEnv;
  log: Logger;
  notify: AgentContext['notify'];
  gate: AiGate;
  limits: AiLimits;
  /** Stores the transcript on the backend and moves the task to the human queue. */
  handoff(reason: HandoffReason, detail: string | null, transcript: TranscriptEntry[]): Promise<unknown>;
  /** Called once the AI agent is stopped (hand-off, end, failure): its open requests are closed. */
  onStopped(): Promise<void>;
}

const STOP_HANDOFF: Partial<Record<string, HandoffReason>> = { refusal: 'ai_refused', max_tokens: 'ai_out_of_budget', max_turn_requests: 'ai_out_of_budget' };

export class AiSession {
  readonly transcript = new Transcript();
  handedOff = false;
  private proc: AiAgentProcess | null = null;
  private terminals = new Terminals();
  private turns = 0;
  private queue: string[] = [];
  private busy = false;
  private stopping = false;
  private lastSaid = '';
  private timer?: NodeJS.Timeout;
  private handingOff: Promise<{ reason: HandoffReason; entries: number }> | null = null;

  constructor(private d: AiSessionDeps) {}

  /** The AI agent is up (or starting) and takes messages. */
  get running(): boolean { return !this.stopping && !this.handedOff; }

  private get who() { return { taskId: this.d.taskId, aiTool: this.d.chosen.name, aiTitle: this.d.chosen.title }; }
  private state(state: 'starting' | 'ready' | 'working' | 'stopped', detail: string | null = null) {
    return this.d.notify(AiStateNote, { ...this.who, state, detail });
  }

  /** Starts the AI agent and gives it the issue as its first prompt. */
  async start(issue: string): Promise<void> {
    await this.state('starting');
    let proc: AiAgentProcess;
    try {
      proc = new AiAgentProcess(this.d.chosen, this.d.root, this.d.env, this.handlers(), this.d.log);
    } catch (e) { // e.g. spawn refusing a bad command: hand off, never stay "starting"
      await this.automatic('ai_failed', `${this.d.chosen.title} could not start: ${(e as Error).message}`);
      return;
    }
    this.proc = proc;
    void proc.exited.then((e) => {
      if (this.stopping || this.handedOff) return;
      const detail = `${this.d.chosen.title} ${describeExit(e)}${proc.stderr ? `: ${proc.stderr.trim().split('\n').at(-1)}` : ''}`;
      void this.automatic(e.code === 0 && !e.error ? 'ai_exited' : 'ai_failed', detail);
    });
    try {
      await proc.start(this.d.root);
    } catch (e) {
      const detail = `${this.d.chosen.title} could not start: ${(e as Error).message}`;
      await this.automatic('ai_failed', detail);
      return;
    }
    if (this.d.limits.maxMinutes) {
      this.timer = setTimeout(() => void this.automatic('time_limit', `the AI session passed ${this.d.limits.maxMinutes} min`), this.d.limits.maxMinutes * 60_000);
      this.timer.unref?.();
    }
    await this.state('ready');
    this.say(issue);
  }

  /** A customer message: the AI agent's next prompt (queued while a turn runs). */
  say(text: string): void {
    if (this.handedOff) throw new RpcError(ErrorCode.Conflict, 'The task went to a human engineer; messages go to them.', 'already_handed_off');
    this.transcript.message('customer', text);
    this.queue.push(text);
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy || !this.proc?.sessionId) return;
    const text = this.queue.shift();
    if (text === undefined) return;
    this.busy = true;
    this.turns++;
    await this.state('working');
    let stop: string;
    try {
      stop = await this.proc.prompt(text);
    } catch (e) {
      this.busy = false;
      if (this.handedOff || this.stopping) return;
      // A turn that failed because the process died is told as its exit, which says more than "connection closed".
      const exit = await Promise.race([this.proc.exited, new Promise<null>((r) => setTimeout(() => r(null), 1000).unref())]);
      if (exit) return; // the exit handler hands off
      return void this.automatic('ai_failed', `${this.d.chosen.title} failed a turn: ${(e as Error).message}`);
    }
    this.busy = false;
    if (this.handedOff || this.stopping) return;
    const reason = STOP_HANDOFF[stop];
    if (reason) return void this.automatic(reason, `${this.d.chosen.title} ended its turn: ${stop}`);
    if (this.d.limits.maxTurns && this.turns >= this.d.limits.maxTurns) {
      return void this.automatic('turn_limit', `the AI session reached ${this.d.limits.maxTurns} turns`);
    }
    await this.state('ready', stop);
    void this.pump();
  }

  /** Hybrid: hand off now. AI mode: the AI part ends and the customer is told `/human` brings an engineer. */
  private async automatic(reason: HandoffReason, detail: string): Promise<void> {
    if (this.handedOff) return;
    if (this.d.mode === 'hybrid') {
      try { await this.handoff(reason, detail); } catch (e) { this.d.log.error('automatic hand-off failed', e); await this.state('stopped', `${detail}; the hand-off failed: ${(e as Error).message}`); }
      return;
    }
    await this.stop();
    await this.state('stopped', `${detail}. Ask for a human engineer with /human (escalate).`);
  }

  /** Stops the AI agent, sends the transcript to the backend and tells the front end what the engineer sees. Once. */
  handoff(reason: HandoffReason, detail: string | null = null): Promise<{ reason: HandoffReason; entries: number }> {
    if (this.handedOff) return Promise.reject(new RpcError(ErrorCode.Conflict, 'This task already went to a human engineer.', 'already_handed_off'));
    this.handingOff ??= (async () => {
      await this.stop();
      const transcript = this.transcript.forHandoff();
      try {
        await this.d.handoff(reason, detail, transcript);
      } catch (e) {
        this.handingOff = null;
        throw e;
      }
      this.handedOff = true;
      await this.state('stopped', `handed off: ${reason}`);
      await this.d.notify(HandoffNote, { taskId: this.d.taskId, reason, detail, aiTool: this.d.chosen.name, transcript });
      return { reason, entries: transcript.length };
    })();
    return this.handingOff;
  }

  /** Ends the AI agent and whatever it started. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.timer);
    this.terminals.killAll();
    this.proc?.cancel();
    await this.proc?.stop();
    await this.d.onStopped();
  }

  private rel(abs: string): string {
    const r = path.relative(this.d.root, abs);
    return r.split(path.sep).join('/');
  }

  private reason(what: string): string {
    const said = this.lastSaid.trim().split('\n').filter(Boolean).at(-1)?.slice(-300);
    return `${this.d.chosen.title} (AI) wants to ${what}${said ? ` — it said: "${said}"` : ''}`;
  }

  private handlers(): AiClientHandlers {
    const gate = this.d.gate;
    return {
      readTextFile: async (p, signal) => {
        const text = await gate.read({ path: this.rel(p.path), reason: this.reason('read this file'), signal });
        if (!p.line && !p.limit) return { content: text };
        const lines = text.split('\n');
        const from = (p.line ?? 1) - 1;
        return { content: lines.slice(from, p.limit ? from + p.limit : undefined).join('\n') };
      },
      writeTextFile: async (p, signal) => {
        await gate.write({ path: this.rel(p.path), content: p.content, reason: this.reason('change this file'), signal });
        return null;
      },
      createTerminal: async (p, signal) => {
        const cwd = p.cwd ? this.rel(p.cwd) : undefined;
        const run = await gate.command({ command: shellLine(p), cwd: cwd === '' ? undefined : cwd, reason: this.reason('run this command'), signal });
        return { terminalId: this.terminals.add(p, run) };
      },
      terminalOutput: async (p) => this.terminals.output(p.terminalId),
      waitForExit: (p) => this.terminals.waitForExit(p.terminalId),
      killTerminal: async (p) => this.terminals.kill(p.terminalId),
      releaseTerminal: async (p) => this.terminals.release(p.terminalId),
      // The AI agent's own tools: an edit is asked as a write request; the rest is refused (agent/ai/permission.ts).
      requestPermission: (p, signal) => decidePermission(gate, p, { signal,
        reason: (what) => this.reason(what), rel: (abs) => this.rel(abs) }),
      update: (u) => {
        if (u.sessionUpdate !== 'agent_message_chunk') return;
        const c = AcpTextChunk.safeParse(u);
        if (!c.success) return;
        this.lastSaid = (this.lastSaid + c.data.content.text).slice(-2000);
        this.transcript.message('ai', c.data.content.text);
        void this.d.notify(AiMessageNote, { ...this.who, text: c.data.content.text });
      },
    };
  }
}
