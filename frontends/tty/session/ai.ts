// The AI part of `codevf fix --ai` / `--hybrid`: the AI's words under its own label (never a person's), its
// state in the status line, `/human` to ask for an engineer, and the hand-off shown with what the engineer
// will see. Requests the AI makes are the ordinary request prompts (requests.ts), named as the AI's.
import type { ParamsOf } from '../../../protocol/define.js';
import { AiMessageNote, AiStateNote, Escalate, HandoffNote } from '../../../protocol/methods/ai.js';
import type { AgentClient } from '../cli/client.js';
import type { Io } from '../cli/io.js';
import { neutralize, neutralizeLine as visible } from '../../../protocol/terminal-text.js';
import type { HandoffReason, TranscriptEntry } from '../../../protocol/backend/ai.js';

type Decided = Extract<TranscriptEntry, { type: 'decision' }>;
type Asked = Extract<TranscriptEntry, { type: 'request' }>;
import type { Screen } from './screen.js';

const clock = (d = new Date()) => `[${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}]`;
const REASONS = {
  customer_asked: 'you asked for a human', ai_exited: 'the AI agent exited', ai_failed: 'the AI agent failed',
  ai_refused: 'the AI gave up', ai_out_of_budget: 'the AI ran out of budget', turn_limit: 'the AI turn limit was reached',
  time_limit: 'the AI time limit was reached', ai_allowance_exhausted: 'your free AI allowance is used up for today',
} satisfies Record<HandoffReason, string>;

/** How many of the newest transcript entries the hand-off shows at once (`/transcript` shows all), and how wide each is. */
const SHOWN = 12;
const WIDTH = 160;
const VERB = { command: 'run', file: 'read', write: 'change', permission: 'use its own tool for' } satisfies Record<Asked['kind'], string>;

const oneLine = (s: string, max = WIDTH) => {
  const lines = s.trim().split('\n');
  const first = visible(lines[0] ?? '');
  return first.length > max || lines.length > 1 ? `${first.slice(0, max)}…` : first;
};

export class AiView {
  /** The AI is the one working (no hand-off yet). */
  active = false;
  title: string | null = null;
  private state = 'starting';
  private pending = '';
  /** What the engineer was given at the hand-off (null before one). */
  private transcript: TranscriptEntry[] | null = null;

  constructor(private io: Io, private agent: AgentClient, private screen: Screen, private onHandedOff: () => void) {}

  listen(ours: (taskId: string) => boolean): void {
    const { agent } = this;
    agent.on(AiMessageNote, (m) => { if (ours(m.taskId)) this.says(m.aiTitle, m.text); });
    agent.on(AiStateNote, (s) => {
      if (!ours(s.taskId)) return;
      this.title = visible(s.aiTitle);
      this.active = s.state !== 'stopped';
      this.state = s.state;
      if (s.state !== 'working') this.flush();
      if (s.state === 'stopped' && s.detail && !s.detail.startsWith('handed off')) this.screen.print(this.io.out.yellow(`${visible(s.aiTitle)} (AI) stopped: ${visible(s.detail)}`));
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
    this.title = visible(title);
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
      this.screen.print(this.io.out.red(`Could not hand off: ${visible((e as Error).message)}`));
    }
  }

  /** The transcript as the engineer sees it, one entry per line (`full`: every line of every entry). Remote
   *  text is neutralised: it cannot move the cursor or recolour the screen. */
  private render(entries: TranscriptEntry[], full: boolean): string[] {
    const c = this.io.out;
    const ai = `AI · ${this.title ?? 'AI'}`; // stored neutralised
    const decided = new Map<string, Decided>();
    const asked = new Map<string, string>();
    for (const e of entries) {
      if (e.type === 'decision') decided.set(e.requestId, e);
      if (e.type === 'request') asked.set(e.requestId, e.subject);
    }
    const text = (s: string) => (full ? neutralize(s.trimEnd()).replace(/\n/g, '\n    ') : oneLine(s));
    const out: string[] = [];
    for (const e of entries) {
      if (e.type === 'message') out.push(`  ${e.from === 'ai' ? c.blue(`${ai}:`) : c.cyan('You:')} ${text(e.text)}`);
      else if (e.type === 'request') {
        const d = decided.get(e.requestId);
        const answer = !d ? c.dim('no answer') : d.decision === 'allow' ? c.green(`allowed (${visible(d.decidedBy)})`) : c.red(`denied (${visible(d.decidedBy)})`);
        out.push(`  ${c.blue(ai)} asked to ${VERB[e.kind]} ${e.kind === 'command' ? `\`${oneLine(e.subject, 100)}\`` : oneLine(e.subject, 100)}: ${answer}`);
      } else if (e.type === 'output') {
        const of = asked.get(e.requestId);
        out.push(`  ${c.dim(`output${of ? ` of \`${oneLine(of, 60)}\`` : ''}${e.exitCode === null || e.exitCode === undefined ? '' : ` (exit ${e.exitCode})`}:`)} ${text(e.text) || c.dim('(none)')}`);
      }
    }
    return out;
  }

  /** `/transcript`: everything the engineer was given at the hand-off. */
  showTranscript(): void {
    const c = this.io.out;
    if (!this.transcript) { this.screen.print(c.dim('No hand-off yet: an engineer sees the AI session only once it is handed over (/human).')); return; }
    this.screen.print([c.bold(`What the engineer sees: the whole AI session (${this.transcript.length} entries, secrets redacted)`),
      ...this.render(this.transcript, true), c.dim('(end of the AI session)')].join('\n'));
  }

  private handoff(h: ParamsOf<typeof HandoffNote>): void {
    const c = this.io.out;
    this.flush();
    this.active = false;
    this.transcript = h.transcript;
    const lines = this.render(h.transcript, false).filter(Boolean);
    const hidden = lines.length - SHOWN;
    this.screen.print([
      `${c.bold(c.green('Handing over to a human engineer'))} (${REASONS[h.reason]}${h.detail ? `: ${visible(h.detail)}` : ''}).`,
      h.transcript.length
        ? `The engineer will see the AI session (${h.transcript.length} entries, secrets redacted)${hidden > 0 ? `; the last ${SHOWN} lines:` : ':'}`
        : 'The engineer gets no AI transcript (the AI did not work on this task).',
      ...(hidden > 0 ? [c.dim(`  … ${hidden} earlier`)] : []),
      ...lines.slice(-SHOWN),
      ...(h.transcript.length ? [c.dim('/transcript shows all of it.')] : []),
      c.dim('Waiting for an engineer to join; you can keep typing for them.'),
    ].join('\n'));
    this.onHandedOff();
  }
}
