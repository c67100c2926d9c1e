// The live session's terminal: lines scroll above an input line whose prompt shows the session state, or the
// question being asked (an engineer's request, keep waiting?, the rating). One question at a time, in order.
import { createInterface, type Interface } from 'node:readline';
import { neutralizeOutput } from '../../../protocol/terminal-text.js';
import type { Io } from '../cli/io.js';

export interface Question {
  /** Set for engineer requests, so that a request settled elsewhere can close its question. */
  key?: string;
  prompt: string;
  /** Resolves true once the answer is taken; false keeps the question open (e.g. not y/n). */
  answer(line: string): Promise<boolean> | boolean;
}

export class Screen {
  private rl: Interface;
  private questions: Question[] = [];
  private status = '';
  private busy = false;
  private closed = false;
  onChat: (text: string) => void = () => undefined;
  onInterrupt: () => void = () => undefined;

  constructor(private io: Io) {
    this.rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true, historySize: 100 });
    this.rl.on('line', (l) => void this.line(l));
    this.rl.on('SIGINT', () => this.onInterrupt());
    this.rl.on('close', () => { if (!this.closed) this.onInterrupt(); });
  }

  /** A line (or lines) above the input line; what the person is typing stays where it was. The open question
   *  is drawn again below it, so it is always the last thing on screen. Callers neutralise and attribute remote
   *  text; this last pass lets only colours through, whatever a caller missed. */
  print(text: string): void {
    const safe = neutralizeOutput(text);
    if (this.closed) { process.stdout.write(`${safe}\n`); return; }
    // A long question wraps: clear from its first row, or its first part stays above the new line.
    const up = this.rl.getCursorPos().rows;
    process.stdout.write(`${up > 0 ? `\x1b[${up}A` : ''}\r\x1b[0J${safe}\n`);
    this.refresh();
  }

  setStatus(status: string): void {
    if (status === this.status) return;
    this.status = status;
    this.refresh();
  }

  ask(q: Question): void {
    this.questions.push(q);
    if (this.questions.length === 1) this.refresh();
  }

  /** Closes the question with this key (settled elsewhere); true when one was open. */
  drop(key: string): boolean {
    const i = this.questions.findIndex((q) => q.key === key);
    if (i < 0) return false;
    this.questions.splice(i, 1);
    this.refresh();
    return true;
  }

  hasQuestion(key: string): boolean { return this.questions.some((q) => q.key === key); }

  /** Removes the line readline echoed on Enter: the chat shows the message with its timestamp instead. */
  private unecho(raw: string): void {
    const width = process.stdout.columns || 80;
    const promptLen = this.rl.getPrompt().replace(/\x1b\[[0-9;]*m/g, '').length;
    const rows = Math.max(1, Math.ceil((promptLen + raw.length) / width));
    process.stdout.write(`\x1b[${rows}A\r\x1b[0J`);
  }

  private refresh(): void {
    if (this.closed) return;
    const q = this.questions[0];
    const prompt = q ? `${this.io.out.bold(this.io.out.yellow(q.prompt))} ` : `${this.io.out.dim(this.status)} ${this.io.out.cyan('›')} `;
    this.rl.setPrompt(neutralizeOutput(prompt.replace(/\n/g, ' ')));
    this.rl.prompt(true);
  }

  private async line(raw: string): Promise<void> {
    const text = raw.trim();
    const q = this.questions[0];
    if (!q) {
      if (text) { this.unecho(raw); this.onChat(text); }
      this.refresh();
      return;
    }
    if (this.busy) return;
    this.busy = true;
    try {
      if (await q.answer(text) && this.questions[0] === q) this.questions.shift();
    } finally { this.busy = false; }
    this.refresh();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.stdout.write('\r\x1b[2K');
    this.rl.close();
  }
}
