// The engineer's requests: each shown with the exact command or path, folder, engineer and reason, and answered
// by the person (y / n / a) — never automatically. Also the output of approved commands as it streams.
import type { ParamsOf } from '../../../protocol/define.js';
import {
  ApproveCommand, ApproveWrite, CommandFinished, CommandOutputNote, DeliveryFailed, DenyAllRequests, requestKinds, RequestResolved, UploadFile, type AskedKind, type DecidedBy, type OutboxRoute, type Refusal, type RequestKind, type RequestKinds,
} from '../../../protocol/methods/session.js';
import type { AgentClient } from '../cli/client.js';
import { isRpcError } from '../cli/errors.js';
import type { Io } from '../cli/io.js';
import { linkTarget, neutralize, neutralizeLine, neutralizeOutput, nonAsciiCharacters } from '../../../protocol/terminal-text.js';
import { box } from './layout.js';
import type { Screen } from './screen.js';

const WHAT_FAILED = {
  sendMessage: 'your message', approveCommand: 'your answer', approveFile: 'your answer', commandOutput: 'command output',
  commandResult: 'a command result', uploadFile: 'a file', approveWrite: 'your answer',
} satisfies Record<OutboxRoute, string>;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
// Text that is not an answer is never taken as one; it is not sent as chat either, unless the person says so.
const NOT_AN_ANSWER = ' To send a chat message instead, press Tab first.';

type Asked<K extends RequestKind> = ParamsOf<RequestKinds[K]['notification']>;

/** Who asks, never ambiguous: an AI agent is always named as an AI. */
export function askedBy(r: Pick<Asked<AskedKind>, 'engineer' | 'requester'>): string {
  if (r.requester.type === 'ai') return `${neutralizeLine(r.requester.name ?? 'The AI agent')} (AI)`;
  return r.engineer ? neutralizeLine(r.engineer) : 'The engineer';
}

export class Requests {
  private commands = new Map<string, string>();
  private files = new Map<string, string>();
  private partial = new Map<string, string>();
  private flood: { count: number; timer?: NodeJS.Timeout } = { count: 0 };
  /** Requests this person answered (their request_resolved needs no notice). */
  private answered = new Set<string>();

  constructor(private io: Io, private agent: AgentClient, private screen: Screen) {}

  /** How each kind of request is shown and asked; a kind added to the protocol does not compile until it is here. */
  private kinds = {
    command: (r) => this.command(r),
    file: (r) => this.file(r),
    write: (r) => this.write(r),
    screenshare: (r) => this.screenshare(r),
  } satisfies { [K in RequestKind]: (r: Asked<K>) => void };

  listen(isOurs: (taskId: string) => boolean): void {
    const { agent } = this;
    for (const kind of Object.keys(requestKinds) as RequestKind[]) {
      const show = this.kinds[kind] as (r: Asked<RequestKind>) => void;
      agent.on(requestKinds[kind].notification, (r) => { if (isOurs(r.taskId)) show(r as Asked<RequestKind>); });
    }
    agent.on(RequestResolved, (r) => isOurs(r.taskId) && this.resolved(r.requestId, r.decision, r.decidedBy));
    agent.on(CommandOutputNote, (o) => isOurs(o.taskId) && this.output(o.requestId, o.data));
    agent.on(CommandFinished, (f) => isOurs(f.taskId) && this.finished(f));
    agent.on(DeliveryFailed, (d) => isOurs(d.taskId) && this.screen.print(this.io.out.red(
      `The backend refused ${WHAT_FAILED[d.route]}${d.requestId ? ` (${d.requestId})` : ''}, so the engineer may not have it: ${neutralizeLine(d.message)}`)));
  }

  /** A link to open: shown whole, with the site it really opens and what about it may mislead. */
  private screenshare(r: Asked<'screenshare'>): void {
    const c = this.io.out;
    const { host, warnings } = linkTarget(r.url);
    this.screen.print([`${c.bold('Engineer requests screenshare:')}`, `Open link: ${c.underline(neutralizeLine(r.url))}`, `  opens: ${c.bold(host)}`,
      ...warnings.map((w) => c.red(`  Careful: ${w}.`))].join('\n'));
  }

  /** The request as a box laid out for the screen's width (again on resize): borders never break. */
  private box(title: string, lines: string[], keys: string): void {
    const c = this.io.out;
    this.screen.block((cols) => box(cols, c.bold(title), lines, c.dim(keys), { border: c.yellow }));
  }

  /** A request the customer's agent refused at once: said, never asked. A flood is summed up, not printed line by line. */
  private refusedNow(who: string, what: string, refused: Refusal): void {
    if (refused.reason === 'too_many_pending') {
      if (this.flood.count++ === 0) this.screen.print(this.io.out.red(`${who} asked for ${what}, refused by your agent: ${neutralizeLine(refused.message)}`));
      this.flood.timer ??= setTimeout(() => this.floodSummary(), 1000);
      return;
    }
    this.screen.print(this.io.out.red(`${who} asked for ${what}, refused by your agent: ${neutralizeLine(refused.message)}`));
  }

  /** A proposed change: the unified diff coloured (removed red, added green), answered y or n. */
  private write(raw: Asked<'write'>): void {
    const c = this.io.out;
    const path = neutralizeLine(raw.path);
    this.files.set(raw.requestId, path);
    if (raw.refused) { this.answered.add(raw.requestId); return this.refusedNow(askedBy(raw), `a change to ${path}`, raw.refused); }
    const lines = raw.diff.replace(/\n$/, '').split('\n').map((l) => {
      const v = neutralizeLine(l);
      if (l.startsWith('+++') || l.startsWith('---')) return c.bold(v);
      if (l.startsWith('@@')) return c.cyan(v);
      return l.startsWith('+') ? c.green(v) : l.startsWith('-') ? c.red(v) : v;
    });
    this.box(`${askedBy(raw)} proposes a change to ${path}${raw.newFile ? ' (new file)' : ''}`,
      [...lines, ...reasonLines(raw.reason), c.dim(`diff sha256 ${raw.diffSha256.slice(0, 16)}`)], 'y = write exactly this change, n = deny');
    this.screen.ask({
      key: raw.requestId, prompt: `Apply this change to ${path}? (y/n)`, label: `change: ${path}`, keys: 'y write this change · n deny',
      answer: async (a) => {
        const yes = ['y', 'yes'].includes(a.toLowerCase());
        if (!yes && !['n', 'no'].includes(a.toLowerCase())) { this.screen.print(`Answer y (write it) or n (deny).${NOT_AN_ANSWER}`); return false; }
        return this.decide(raw.requestId, () => this.agent.request(ApproveWrite, { requestId: raw.requestId, decision: yes ? 'allow' : 'deny' }),
          yes ? `You applied the change to ${path}` : `You denied the change to ${path}`);
      },
    });
  }

  private floodSummary(): void {
    this.flood.timer = undefined;
    const more = this.flood.count - 1;
    this.flood.count = 0;
    if (more > 0) this.screen.print(this.io.out.red(`${more} more request${more === 1 ? ' was' : 's were'} refused by your agent: too many requests were open.`));
  }

  /** `d`: every open request denied in one answer. */
  private async denyAll(): Promise<boolean> {
    try {
      const { denied } = await this.agent.request(DenyAllRequests, {});
      for (const id of denied) { this.answered.add(id); this.screen.drop(id); }
      this.screen.print(`You denied ${denied.length === 1 ? 'the open request' : `all ${denied.length} open requests`}.`);
    } catch (e) {
      this.screen.print(this.io.out.red(`Could not deny them: ${neutralize((e as Error).message)}`));
    }
    return true;
  }

  private command(raw: Asked<'command'>): void {
    const r = { ...raw, command: neutralizeLine(raw.command), workingDirectory: neutralizeLine(raw.workingDirectory), engineer: raw.engineer && neutralizeLine(raw.engineer) };
    const c = this.io.out;
    this.commands.set(r.requestId, r.command);
    if (raw.refused) { this.answered.add(r.requestId); return this.refusedNow(askedBy(raw), `\`${r.command}\``, raw.refused); }
    const odd = nonAsciiCharacters(raw.command);
    this.box(`${askedBy(raw)} requests to run a command`, [
      `${c.bold('$')} ${c.bold(r.command)}`, ...(odd ? [c.red(`Careful: not plain ASCII, may imitate other letters: ${odd}`)] : []),
      `folder: ${r.workingDirectory}`, ...reasonLines(raw.reason),
    ], 'y = allow once, n = deny, a = allow this exact command for the rest of the session');
    this.screen.ask({
      key: r.requestId, prompt: `Allow ${r.command}? (y/n/a)`, label: `run: ${r.command}`,
      keys: 'y allow once · n deny · a allow for the session · d deny every open request',
      answer: async (a) => {
        if (a.toLowerCase() === 'd') return this.denyAll();
        const choice = ({ y: ['allow', 'once'], yes: ['allow', 'once'], n: ['deny', 'once'], no: ['deny', 'once'], a: ['allow', 'session'] } as const)[a.toLowerCase()];
        if (!choice) { this.screen.print(`Answer y (allow once), n (deny) or a (allow for this session).${NOT_AN_ANSWER}`); return false; }
        return this.decide(r.requestId, () => this.agent.request(ApproveCommand, { requestId: r.requestId, decision: choice[0], scope: choice[1] }),
          choice[0] === 'deny' ? `You denied: ${r.command}` : `You allowed${choice[1] === 'session' ? ' for this session' : ''}: ${r.command}`);
      },
    });
  }

  private file(raw: Asked<'file'>): void {
    const r = { ...raw, path: neutralizeLine(raw.path), engineer: raw.engineer && neutralizeLine(raw.engineer), neverShare: raw.neverShare && neutralizeLine(raw.neverShare) };
    const c = this.io.out;
    this.files.set(r.requestId, r.path);
    if (raw.refused) { this.answered.add(r.requestId); return this.refusedNow(askedBy(raw), r.path, raw.refused); }
    const warn = r.neverShare ? [c.red(`This file is on the never-share list: ${r.neverShare}.`)] : [];
    this.box(`${askedBy(raw)} requests a file`, [c.bold(r.path), ...reasonLines(raw.reason), ...warn],
      r.neverShare ? 'y = send it anyway, n = deny' : 'y = send it, n = deny');
    this.screen.ask({
      key: r.requestId, prompt: r.neverShare ? `Send ${r.path} anyway? (y/n)` : `Send ${r.path}? (y/n)`, label: `file: ${r.path}`,
      keys: r.neverShare ? 'y send anyway (never-share) · n deny · d deny every open request' : 'y send · n deny · d deny every open request',
      answer: async (a) => {
        if (a.toLowerCase() === 'd') return this.denyAll();
        const yes = ['y', 'yes'].includes(a.toLowerCase());
        if (!yes && !['n', 'no'].includes(a.toLowerCase())) {
          this.screen.print(a.toLowerCase() === 'a' ? '"a" is for commands only: answer y or n.' : `Answer y (send) or n (deny).${NOT_AN_ANSWER}`);
          return false;
        }
        return this.decide(r.requestId, async () => {
          const sent = await this.agent.request(UploadFile, { requestId: r.requestId, decision: yes ? 'allow' : 'deny', override: yes && Boolean(r.neverShare) });
          if (sent.redactions) this.screen.print(c.dim(`${sent.redactions} secret${sent.redactions === 1 ? ' was' : 's were'} redacted before sending.`));
        }, yes ? `You sent: ${r.path}` : `You denied: ${r.path}`);
      },
    });
  }

  /** Sends the answer; true closes the question. A refused "a" keeps it open with the reason. */
  private async decide(requestId: string, send: () => Promise<unknown>, done: string): Promise<boolean> {
    this.answered.add(requestId);
    try {
      await send();
      this.screen.print(done);
      return true;
    } catch (e) {
      this.answered.delete(requestId);
      const reason = isRpcError(e) ? e.data.reason : '';
      if (reason === 'not_found') { this.screen.print('That request is no longer waiting (it timed out or was settled).'); return true; }
      this.screen.print(this.io.out.red(`${neutralize((e as Error).message)}${reason === 'scope_not_allowed' ? ' Answer y or n.' : ''}`));
      return reason === 'never_share' || reason === 'path_outside_project' || reason === 'not_a_regular_file' || reason === 'too_large';
    }
  }

  /** Settled without this person's answer (timeout, session rule, policy): close its question and say why. */
  private resolved(requestId: string, decision: 'allow' | 'deny', by: DecidedBy): void {
    this.screen.drop(requestId);
    if (this.answered.has(requestId) || by === 'customer') return;
    const what = this.commands.get(requestId) ?? this.files.get(requestId) ?? 'the request';
    const why = ({ timeout: 'no answer in time', rule: 'you allowed it for this session', policy: 'a policy decided',
      no_front_end: 'no one could answer', agent: 'refused by your agent', customer: 'you answered' } satisfies Record<DecidedBy, string>)[by];
    this.screen.print(this.io.out.dim(`${decision === 'allow' ? 'Allowed' : 'Denied'} automatically (${why}): ${what}`));
  }

  private output(requestId: string, data: string): void {
    const text = (this.partial.get(requestId) ?? '') + data;
    const lines = text.split('\n');
    this.partial.set(requestId, lines.pop() ?? '');
    for (const l of lines) this.outputLine(l);
  }

  /** One line of a command's output; a long one wraps under the bar. Tabs become spaces so widths hold. */
  private outputLine(l: string): void {
    const bar = `${this.io.out.dim('│')} `;
    this.screen.print(`${bar}${neutralizeOutput(l.replace(/\r$/, '').replace(/\t/g, '    '))}`, bar);
  }

  private finished(f: ParamsOf<typeof CommandFinished>): void {
    const rest = this.partial.get(f.requestId);
    if (rest) this.outputLine(rest);
    this.partial.delete(f.requestId);
    const cmd = this.commands.get(f.requestId) ?? 'command';
    const c = this.io.out;
    if (f.outcome === 'agent_restarted') this.screen.print(c.red(`Command stopped: your agent restarted while it ran: ${cmd}`));
    else if (f.outcome === 'unknown') this.screen.print(c.yellow(`How this command ended is unknown (your agent restarted while it ran): ${cmd}`));
    else if (f.exitCode === 0) this.screen.print(`${c.green('✓')} ${cmd} finished (exit 0, ${seconds(f.durationMs)})`);
    else if (f.timedOut) this.screen.print(c.red(`Command timed out after ${seconds(f.durationMs)}: ${cmd}`));
    else if (f.signal) this.screen.print(c.red(`Command stopped by ${f.signal}: ${cmd}`));
    else this.screen.print(c.red(`Command failed with exit code ${f.exitCode}: ${cmd}`));
    if (f.truncated) this.screen.print(c.dim('(the output sent to the engineer was cut at the size limit)'));
  }
}

/** The engineer's reason in a request box: every line neutralised and indented under "reason:". */
function reasonLines(reason: string): string[] {
  if (!reason) return ['reason: (none given)'];
  return neutralize(reason).split('\n').map((l, i) => `${i ? '        ' : 'reason: '}${l}`);
}
