// The AI part of `codevf fix --ai` / `--hybrid`: the AI's words under its own label (never a person's), its
// state in the status line, `/human` to ask for an engineer, and the hand-off shown with what the engineer
// will see. Requests the AI makes are the ordinary request prompts (requests.ts), named as the AI's.
import { AiMessageNote, AiStateNote, Escalate, HandoffNote } from '../../../protocol/methods/ai.js';
import type { AgentClient } from '../cli/client.js';
import type { Io } from '../cli/io.js';
import { neutralizeLine as visible } from '../../../protocol/terminal-text.js';
import type { Screen } from './screen.js';

const clock = (d = new Date()) => `[${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}]`;
const REASONS: Record<string, string> = {
  customer_asked: 'you asked for a human', ai_exited: 'the AI agent exited', ai_failed: 'the AI agent failed',
  ai_refused: 'the AI gave up', ai_out_of_budget: 'the AI ran out of budget', turn_limit: 'the AI turn limit was reached',
  time_limit: 'the AI time limit was reached', ai_allowance_exhausted: 'your free AI allowance is used up for today',
};

export class AiView {
  /** The AI is the one working (no hand-off yet). */
  active = false;
  title: string | null = null;
  private state = 'starting';
  private pending = '';

  constructor(private io: Io, private agent: AgentClient, private screen: Screen, private onHandedOff: () => void) {}

  listen(ours: (taskId: string) => boolean): void {
    const { agent } = this;
    agent.on(AiMessageNote, (m) => { if (ours(m.taskId)) this.says(m.aiTitle, m.text); });
    agent.on(AiStateNote, (s) => {
      if (!ours(s.taskId)) return;
      this.title = s.aiTitle;
      this.active = s.state !== 'stopped';
      this.state = s.state;
      if (s.state !== 'working') this.flush();
      if (s.state === 'stopped' && s.detail && !s.detail.startsWith('handed off')) this.screen.print(this.io.out.yellow(`${s.aiTitle} (AI) stopped: ${visible(s.detail)}`));
    });
    agent.on(HandoffNote, (h) => { if (ours(h.taskId)) this.handoff(h); });
  }

  /** Text for the status line while the AI works. */
  status(): string | null {
    if (!this.active || !this.title) return null;
    return `${this.title} (AI) · ${this.state === 'working' ? 'working' : this.state === 'ready' ? 'your turn' : this.state} · /human for an engineer`;
  }

  private label(title: string): string {
    const c = this.io.out;
    return `${c.dim(clock())} ${c.bold(c.blue(`AI · ${visible(title)}:`))}`;
  }

  /** Chunks arrive mid-line: whole lines are printed as they complete, the rest when the AI's turn ends. */
  private says(title: string, text: string): void {
    this.title = title;
    this.pending += text;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) this.screen.print(`${this.label(title)} ${visible(l)}`);
  }

  flush(): void {
    if (this.pending.trim() && this.title) this.screen.print(`${this.label(this.title)} ${visible(this.pending)}`);
    this.pending = '';
  }

  /** `/human`: ask for an engineer now. */
  async human(taskId: string): Promise<void> {
    this.screen.print(this.io.out.dim('Asking for a human engineer...'));
    try {
      await this.agent.request(Escalate, { taskId });
    } catch (e) {
      this.screen.print(this.io.out.red(`Could not hand off: ${(e as Error).message}`));
    }
  }

  private handoff(h: { reason: string; detail: string | null; aiTool: string | null; transcript: Array<{ type: string; [k: string]: unknown }> }): void {
    const c = this.io.out;
    this.flush();
    this.active = false;
    const counts = { message: 0, request: 0, decision: 0, output: 0 } as Record<string, number>;
    for (const e of h.transcript) counts[e.type] = (counts[e.type] ?? 0) + 1;
    this.screen.print([
      `${c.bold(c.green('Handing over to a human engineer'))} (${REASONS[h.reason] ?? h.reason}${h.detail ? `: ${visible(h.detail)}` : ''}).`,
      `The engineer will see the AI session: ${counts.message} messages, ${counts.request} requests with your ${counts.decision} decisions, ${counts.output} outputs (secrets redacted).`,
      c.dim('Waiting for an engineer to join; you can keep typing for them.'),
    ].join('\n'));
    this.onHandedOff();
  }
}
