// codevf fix "<issue>": the live session of spec 4.3 — waiting, the engineer, chat, requests, credits, the end.
import { GetBalance } from '../../../protocol/methods/account.js';
import {
  BillingUpdateNote, ConnectionState, CreateTask, EndSession, EngineerConnectedNote, EngineerDisconnectedNote,
  EngineerMessageNote, SendMessage, SessionEndNote,
} from '../../../protocol/methods/session.js';
import type { ParamsOf } from '../../../protocol/define.js';
import type { AgentClient } from '../cli/client.js';
import { bool, str, type Ctx } from '../cli/context.js';
import { CliError, usage } from '../cli/errors.js';
import type { Io } from '../cli/io.js';
import { processTerminal, type Terminal } from '../cli/term.js';
import { AiView } from './ai.js';
import { askRating, summaryText, type Summary } from './end.js';
import { box, width } from './layout.js';
import { Requests } from './requests.js';
import { attributedLines, neutralize, neutralizeLine } from '../../../protocol/terminal-text.js';
import { Screen } from './screen.js';
import { statusLine, type SessionState } from './status.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const clock = (d = new Date()) => `[${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}]`;
const mmss = (ms: number) => { const s = Math.floor(ms / 1000); return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`; };

export async function fix(ctx: Ctx) {
  if (ctx.io.json) throw usage('codevf fix is a live session in a terminal; --json is not available for it.');
  if (!ctx.io.interactive) {
    throw usage("codevf fix is a live session: run it in a terminal (stdin and stdout must both be terminals).\nAn engineer's requests are never answered automatically.");
  }
  const description = ctx.positionals.join(' ').trim();
  if (!description) throw usage('Describe the issue.\nFor example: codevf fix "users cannot log in"');
  const wait = str(ctx, 'wait') ?? '120';
  if (!/^[1-9]\d*$/.test(wait)) throw usage('--wait must be a whole number of seconds, 1 or more.');
  if (bool(ctx, 'ai') && bool(ctx, 'hybrid')) throw usage('Choose one of --ai and --hybrid.');
  const mode = bool(ctx, 'ai') ? 'ai' : bool(ctx, 'hybrid') ? 'hybrid' : undefined;
  const aiTool = str(ctx, 'ai-tool');
  const agent = await ctx.agent({ approvals: true, openBrowser: true });
  return new LiveSession(ctx.io, agent, processTerminal(), Number(wait) * 1000).run(description, { mode, aiTool });
}

class LiveSession {
  private screen!: Screen;
  private taskId?: string;
  private state: SessionState = {
    waiting: null, engineer: null, away: false, perMinute: null, minutes: 0, creditsUsed: 0, balance: null,
    lowBalance: false, connection: 'connecting', ending: false,
  };
  private startedAt = Date.now();
  private askAt: number;
  private lowWarned = false;
  private ending = false;
  private summary: Summary | null = null;
  private finished = false;
  private agentDied = false;
  private finish!: () => void;
  private ai!: AiView;

  constructor(private io: Io, private agent: AgentClient, private term: Terminal, private waitMs: number) { this.askAt = Date.now() + waitMs; }

  async run(description: string, opts: { mode?: 'ai' | 'hybrid'; aiTool?: string } = {}): Promise<Summary | null> {
    const done = new Promise<void>((r) => { this.finish = () => { this.finished = true; r(); }; });
    void this.agent.exited.then(() => { if (!this.finished) { this.agentDied = true; this.finish(); } });
    this.screen = new Screen(this.io, this.term);
    this.screen.onInterrupt = () => void this.end(null);
    this.screen.onChat = (t) => void this.chat(t);
    this.screen.statusLine = (cols, open) => statusLine(this.io.out, this.state, cols, open);
    this.listen();
    this.screen.print(`${this.io.out.bold(opts.mode ? 'Starting the AI agent...' : 'Engineer connecting...')} ${this.io.out.dim('(Ctrl+C to stop)')}`);
    void this.agent.request(GetBalance, {}).then((r) => {
      this.state.perMinute = r.rates.creditsPerMinute;
      this.state.balance ??= r.balance;
      this.state.lowBalance ||= r.balance < r.rates.lowBalanceMinutes * r.rates.creditsPerMinute;
      this.tick();
    }, () => undefined);
    const tick = setInterval(() => this.tick(), 250);
    try {
      const t = await this.agent.request(CreateTask, { description, ...(opts.mode ? { mode: opts.mode } : {}), ...(opts.aiTool ? { aiTool: opts.aiTool } : {}) });
      this.taskId = t.taskId;
      if (t.mode === 'human' && opts.mode) this.screen.print(this.io.out.yellow('No AI session: a human engineer takes this task.'));
      if (t.mode !== 'human' && t.aiTool) this.askAt = Infinity; // no "keep waiting?" while the AI works
      this.tick();
      if (this.ending) this.finish();
      await done;
      if (this.agentDied) throw new CliError('Error: codevf-agent stopped during the session.\nRun again with --verbose for its log.');
      return this.summary;
    } finally {
      clearInterval(tick);
      this.screen.close();
    }
  }

  private ours = (taskId: string) => !this.taskId || taskId === this.taskId;

  private listen(): void {
    const { agent, io } = this;
    const c = io.out;
    new Requests(io, agent, this.screen).listen(this.ours);
    this.ai = new AiView(io, agent, this.screen, () => { this.askAt = Date.now() + this.waitMs; this.tick(); });
    this.ai.listen(this.ours);
    agent.on(EngineerConnectedNote, (e) => { if (this.ours(e.taskId)) this.connected(e.engineer); });
    agent.on(EngineerDisconnectedNote, (e) => {
      if (!this.ours(e.taskId)) return;
      this.state.away = true;
      this.screen.print(c.yellow(`${neutralizeLine(e.engineer.name)} disconnected. Waiting for them to come back... (billing pauses)`));
      this.tick();
    });
    agent.on(EngineerMessageNote, (m) => {
      if (!this.ours(m.taskId)) return;
      // Every line of the message under the engineer's name, so none can pass for one of ours.
      const [first, ...rest] = attributedLines('', m.text.replace(/\t/g, '    '));
      this.message(c.bold(c.magenta(`${this.state.engineer?.name ?? 'Engineer'}:`)), [first, ...rest.map((l) => `${c.magenta('│')} ${l}`)].join('\n'));
    });
    agent.on(BillingUpdateNote, (b) => {
      if (!this.ours(b.taskId)) return;
      Object.assign(this.state, { creditsUsed: b.creditsUsed, minutes: b.minutes, balance: b.balance, perMinute: b.creditsPerMinute, lowBalance: b.lowBalance });
      if (b.lowBalance && !this.lowWarned) {
        this.lowWarned = true;
        this.screen.print(c.yellow(`Warning: low balance, ${b.balance} credits left. Top up in another terminal: codevf topup 10`));
      }
      this.tick();
    });
    agent.on(ConnectionState, (s) => { if (this.ours(s.taskId)) this.connection(s.state, s.attempt); });
    agent.on(SessionEndNote, (s) => {
      if (!this.ours(s.taskId)) return;
      const { taskId: _t, seq: _s, ...summary } = s;
      void this.end(summary);
    });
  }

  private connected(engineer: ParamsOf<typeof EngineerConnectedNote>['engineer']): void {
    const c = this.io.out;
    const back = this.state.engineer?.name === neutralizeLine(engineer.name);
    this.state.engineer = { name: neutralizeLine(engineer.name), title: engineer.title && neutralizeLine(engineer.title) };
    this.state.away = false;
    this.screen.drop('keep-waiting');
    if (back) { this.screen.print(c.green(`${this.state.engineer.name} is back.`)); this.tick(); return; }
    const { name, title } = this.state.engineer;
    const rate = this.state.perMinute;
    // Spec 4.3's header box; laid out again for the width on resize.
    this.screen.block((cols) => box(cols, `${c.green('Engineer connected:')} ${c.bold(name)}${title ? ` (${title})` : ''}`, [
      ...(rate === null ? [] : [`Billing: ${rate} credit${rate === 1 ? '' : 's'}/min`]),
      'You can chat below. Press Ctrl+C to exit',
    ], null, { border: c.green }));
    this.tick();
  }

  private connection(state: SessionState['connection'], attempt?: number): void {
    const c = this.io.out;
    const was = this.state.connection;
    const offline = was === 'reconnecting' || was === 'closed' || was === 'polling' || was === 'auth_required';
    if (state === 'reconnecting' && !offline) {
      this.screen.print(c.yellow(`Warning: Connection lost. Reconnecting...${attempt ? ` (attempt ${attempt})` : ''}`));
    } else if (state === 'connected' && offline) {
      this.screen.print(c.green('Connection restored.'));
    } else if (state === 'polling' && offline && was !== 'polling') {
      this.screen.print(c.green('Connection restored (long-polling: WebSocket unavailable).'));
    } else if (state === 'auth_required' && was !== 'auth_required') {
      this.screen.print(c.red('Signed out: this login was revoked on the server. Run `codevf login` to sign in again.'));
    } else if (state === 'closed' && !this.ending) {
      this.screen.print(c.red('Connection closed.'));
    }
    if (state === 'closed' && this.ending) return;
    this.state.connection = state;
    this.state.attempt = attempt;
    this.tick();
  }

  /** The status line (spinner, time waited), and the keep-waiting question once the wait passes --wait. */
  private tick(): void {
    if (this.ending) return;
    this.state.ai = this.ai.status();
    if (!this.state.engineer && !this.state.ai) {
      this.state.waiting = { frame: SPINNER[Math.floor(Date.now() / 250) % SPINNER.length], waited: mmss(Date.now() - this.startedAt) };
      if (this.taskId && Date.now() >= this.askAt && !this.screen.hasQuestion('keep-waiting')) this.askKeepWaiting();
    }
    this.screen.refresh();
  }

  /** A chat line: `[HH:MM] Name: text`, the text's later lines under its first. */
  private message(who: string, text: string): void {
    const head = `${this.io.out.dim(clock())} ${who} `;
    this.screen.print(`${head}${text}`, ' '.repeat(width(head)));
  }

  private askKeepWaiting(): void {
    this.screen.print(`${this.io.out.yellow('No engineers available right now.')}\nYou have waited ${mmss(Date.now() - this.startedAt)}.`);
    this.screen.ask({
      key: 'keep-waiting', prompt: 'Continue waiting? (y/n)', label: 'keep waiting for an engineer?', keys: 'y keep waiting · n stop',
      answer: (a) => {
        const yes = ['y', 'yes'].includes(a.toLowerCase());
        if (!yes && !['n', 'no'].includes(a.toLowerCase())) return false;
        if (yes) { this.askAt = Date.now() + this.waitMs; this.screen.print('Still waiting; you can type a message for the engineer meanwhile.'); }
        else void this.end(null);
        return true;
      },
    });
  }

  private async chat(text: string): Promise<void> {
    const c = this.io.out;
    if (!this.taskId) { this.screen.print(c.dim('One moment: the session is still starting.')); return; }
    if (this.ending) return;
    this.message(c.bold(c.cyan('You:')), neutralize(text));
    if (text === '/human') { await this.ai.human(this.taskId); return; }
    if (text === '/transcript') { this.ai.showTranscript(); return; }
    try {
      const r = await this.agent.request(SendMessage, { taskId: this.taskId, text });
      if (r.queued) this.screen.print(c.dim('(queued: it is sent when the connection is back)'));
    } catch (e) {
      this.screen.print(c.red(`Message not sent: ${neutralize((e as Error).message)}`));
    }
  }

  /** Ends once: from Ctrl+C / "stop waiting" (null) or the engineer's session_end. A second Ctrl+C quits at once. */
  private async end(fromEngineer: Summary | null): Promise<void> {
    if (this.ending) { if (!fromEngineer) this.finish(); return; }
    this.ending = true;
    this.state.ending = true;
    this.screen.refresh();
    if (!this.taskId) return; // run() finishes once createTask answers
    let summary = fromEngineer;
    if (!summary) {
      try {
        const { taskId: _t, ...s } = await this.agent.request(EndSession, { taskId: this.taskId });
        summary = s;
      } catch (e) {
        this.screen.print(this.io.out.red(`Could not end the session cleanly: ${neutralize((e as Error).message)}`));
      }
    }
    this.summary = summary;
    this.state.ended = true;
    if (summary) this.screen.print(summaryText(this.io, summary));
    const name = summary?.engineer ? neutralizeLine(summary.engineer.name) : this.state.engineer?.name;
    if (name && (summary?.engineer || this.state.engineer)) await askRating(this.io, this.agent, this.screen, this.taskId, name);
    this.finish();
  }
}
