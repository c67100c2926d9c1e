// codevf fix "<issue>": the live session of spec 4.3 — waiting, the engineer, chat, requests, credits, the end.
import { GetRates } from '../../../protocol/methods/account.js';
import {
  BillingUpdateNote, ConnectionState, CreateTask, EndSession, EngineerConnectedNote, EngineerDisconnectedNote,
  EngineerMessageNote, SendMessage, SessionEndNote,
} from '../../../protocol/methods/session.js';
import type { AgentClient } from '../cli/client.js';
import { str, type Ctx } from '../cli/context.js';
import { CliError, usage } from '../cli/errors.js';
import type { Io } from '../cli/io.js';
import { askRating, summaryText, type Summary } from './end.js';
import { attributedLines, neutralize, neutralizeLine } from '../../../protocol/terminal-text.js';
import { Requests } from './requests.js';
import { Screen } from './screen.js';

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
  const agent = await ctx.agent({ approvals: true, openBrowser: true });
  return new LiveSession(ctx.io, agent, Number(wait) * 1000).run(description);
}

class LiveSession {
  private screen!: Screen;
  private taskId?: string;
  private engineer?: { name: string; title: string | null };
  private perMinute?: number;
  private credits = 0;
  private startedAt = Date.now();
  private askAt: number;
  private away = false;
  private offline = false;
  private lowWarned = false;
  private ending = false;
  private summary: Summary | null = null;
  private finished = false;
  private agentDied = false;
  private finish!: () => void;

  constructor(private io: Io, private agent: AgentClient, private waitMs: number) { this.askAt = Date.now() + waitMs; }

  async run(description: string): Promise<Summary | null> {
    const done = new Promise<void>((r) => { this.finish = () => { this.finished = true; r(); }; });
    void this.agent.exited.then(() => { if (!this.finished) { this.agentDied = true; this.finish(); } });
    this.screen = new Screen(this.io);
    this.screen.onInterrupt = () => void this.end(null);
    this.screen.onChat = (t) => void this.chat(t);
    this.listen();
    this.screen.print(`${this.io.out.bold('Engineer connecting...')} ${this.io.out.dim('(Ctrl+C to stop)')}`);
    void this.agent.request(GetRates, {}).then((r) => { this.perMinute = r.creditsPerMinute; }, () => undefined);
    const tick = setInterval(() => this.tick(), 250);
    try {
      const t = await this.agent.request(CreateTask, { description });
      this.taskId = t.taskId;
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
    agent.on(EngineerConnectedNote, (e) => { if (this.ours(e.taskId)) this.connected(e.engineer); });
    agent.on(EngineerDisconnectedNote, (e) => {
      if (!this.ours(e.taskId)) return;
      this.away = true;
      this.screen.print(c.yellow(`${neutralizeLine(e.engineer.name)} disconnected. Waiting for them to come back... (billing pauses)`));
      this.tick();
    });
    agent.on(EngineerMessageNote, (m) => {
      if (!this.ours(m.taskId)) return;
      const name = this.engineer?.name ?? 'Engineer';
      // Every line of the message under the engineer's name, so none can pass for one of ours.
      const [first, ...rest] = attributedLines('', m.text);
      const more = ' '.repeat(name.length + 8);
      this.screen.print([`${c.dim(clock())} ${c.bold(c.magenta(`${name}:`))} ${first}`, ...rest.map((l) => `${more}${c.magenta('│')} ${l}`)].join('\n'));
    });
    agent.on(BillingUpdateNote, (b) => {
      if (!this.ours(b.taskId)) return;
      this.credits = b.creditsUsed;
      this.screen.print(c.dim(`Credits used: ${b.creditsUsed} (balance ${b.balance})`));
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

  private connected(remote: { name: string; title: string | null }): void {
    const c = this.io.out;
    const engineer = { name: neutralizeLine(remote.name), title: remote.title && neutralizeLine(remote.title) };
    const back = this.engineer?.name === engineer.name;
    this.engineer = engineer;
    this.away = false;
    this.screen.drop('keep-waiting');
    if (back) { this.screen.print(c.green(`${engineer.name} is back.`)); this.tick(); return; }
    const rate = this.perMinute === undefined ? '' : `\nBilling: ${this.perMinute} credit${this.perMinute === 1 ? '' : 's'}/min`;
    this.screen.print(`${c.green('Engineer connected:')} ${c.bold(engineer.name)}${engineer.title ? ` (${engineer.title})` : ''}${rate}\nYou can chat below. Press Ctrl+C to exit`);
    this.tick();
  }

  private connection(state: string, attempt?: number): void {
    const c = this.io.out;
    if (state === 'reconnecting' && !this.offline) {
      this.offline = true;
      this.screen.print(c.yellow(`Warning: Connection lost. Reconnecting...${attempt ? ` (attempt ${attempt})` : ''}`));
    } else if (state === 'connected' && this.offline) {
      this.offline = false;
      this.screen.print(c.green('Connection restored.'));
    } else if (state === 'polling') {
      if (this.offline) this.screen.print(c.green('Connection restored (long-polling: WebSocket unavailable).'));
      this.offline = false;
    } else if (state === 'auth_required') {
      this.offline = true;
      this.screen.print(c.red('Signed out: this login was revoked on the server. Run `codevf login` to sign in again.'));
    } else if (state === 'closed' && !this.ending) {
      this.offline = true;
      this.screen.print(c.red('Connection closed.'));
    }
    this.tick();
  }

  /** The state in the prompt, and the keep-waiting question once the wait passes --wait. */
  private tick(): void {
    if (this.ending) return;
    const net = this.offline ? ' · reconnecting' : '';
    if (!this.engineer) {
      const frame = SPINNER[Math.floor(Date.now() / 250) % SPINNER.length];
      this.screen.setStatus(`${frame} waiting for an engineer ${mmss(Date.now() - this.startedAt)}${net}`);
      if (this.taskId && Date.now() >= this.askAt && !this.screen.hasQuestion('keep-waiting')) this.askKeepWaiting();
      return;
    }
    this.screen.setStatus(`${this.engineer.name}${this.away ? ' (away)' : ''} · credits used ${this.credits}${net}`);
  }

  private askKeepWaiting(): void {
    this.screen.print(`${this.io.out.yellow('No engineers available right now.')}\nYou have waited ${mmss(Date.now() - this.startedAt)}.`);
    this.screen.ask({
      key: 'keep-waiting', prompt: 'Continue waiting? (y/n)',
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
    this.screen.print(`${c.dim(clock())} ${c.bold(c.cyan('You:'))} ${neutralize(text)}`);
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
    if (!this.taskId) return; // run() finishes once createTask answers
    this.screen.setStatus('ending the session...');
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
    if (summary) this.screen.print(summaryText(this.io, summary));
    const name = summary?.engineer ? neutralizeLine(summary.engineer.name) : this.engineer?.name;
    if (name && (summary?.engineer || this.engineer)) await askRating(this.io, this.agent, this.screen, this.taskId, name);
    this.finish();
  }
}
