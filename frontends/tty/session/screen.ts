// The live session's terminal. The log (chat, boxes, output) scrolls as ordinary lines, so the terminal's own
// scrollback keeps it; below it a footer is redrawn in place and anchored to the bottom row: the open questions
// listed in order, what the keys do, the status line, and the input line. Everything is laid out for the
// current width and laid out again on resize.
import { emitKeypressEvents } from 'node:readline';
import { neutralizeOutput } from '../../../protocol/terminal-text.js';
import type { Io } from '../cli/io.js';
import type { Terminal } from '../cli/term.js';
import { LineEditor, type Key } from './editor.js';
import { truncate, truncateMiddle, width, wrap } from './layout.js';

export interface Question {
  /** Set for engineer requests, so that a request settled elsewhere can close its question. */
  key?: string;
  /** One line in the list of open questions, e.g. "run: npm test". */
  label: string;
  /** On the input line, e.g. "Allow npm test? (y/n/a)". */
  prompt: string;
  /** What the keys do, e.g. "y allow once · n deny". */
  keys: string;
  /** Resolves true once the answer is taken; false keeps the question open (e.g. not y/n). */
  answer(line: string): Promise<boolean> | boolean;
}

/** A log entry: its lines for a given width (called again on resize). */
type Entry = (cols: number) => string[];

const KEEP = 400; // entries kept for redrawing after a resize
const LISTED = 3; // open questions listed by name; the rest are counted

export class Screen {
  private entries: Entry[] = [];
  private queued: Entry[] = [];
  private questions: Question[] = [];
  private editor = new LineEditor();
  private chatting = false; // Tab: the input line writes a chat message while a question is open
  private busy = false;
  private closed = false;
  private flushing = false;
  /** Rows from the first row after the log to the bottom row: blank padding and the footer. */
  private below = 1;
  onChat: (text: string) => void = () => undefined;
  onInterrupt: () => void = () => undefined;
  /** The status line for a width and a count of open questions. */
  statusLine: (cols: number, open: number) => string = () => '';

  private readonly onKey = (str: string | undefined, key: Key) => this.key(str, key);
  private readonly onResize = () => this.repaint();

  constructor(private io: Io, private term: Terminal) {
    emitKeypressEvents(term.input);
    term.input.setRawMode?.(true);
    term.input.on('keypress', this.onKey);
    term.input.resume();
    term.output.on('resize', this.onResize);
    // Anchor to the bottom row: what was on the screen moves up, the footer takes the last rows.
    this.term.output.write('\r\n'.repeat(Math.max(0, this.rows - 1)));
    this.draw([]);
  }

  get cols(): number { return Math.max(20, this.term.output.columns || 80); }
  get rows(): number { return Math.max(5, this.term.output.rows || 24); }

  /** Text (lines) above the footer, wrapped to the width; lines after the first keep `indent`. Callers neutralise
   *  and attribute remote text; this last pass lets only colours through, whatever a caller missed. */
  print(text: string, indent = ''): void {
    const safe = neutralizeOutput(text);
    this.add((cols) => wrap(safe, cols, indent));
  }

  /** A block laid out by the caller for a width (a box); the same last pass on every line. */
  block(render: (cols: number) => string[]): void { this.add((cols) => render(cols).map((l) => neutralizeOutput(l))); }

  /** Redraws the footer (status changed). */
  refresh(): void { if (!this.closed) this.schedule(); }

  ask(q: Question): void {
    this.questions.push(q);
    this.refresh();
  }

  /** Closes the question with this key (settled elsewhere); true when one was open. */
  drop(key: string): boolean {
    const i = this.questions.findIndex((q) => q.key === key);
    if (i < 0) return false;
    this.questions.splice(i, 1);
    if (!this.questions.length) this.chatting = false;
    this.refresh();
    return true;
  }

  hasQuestion(key: string): boolean { return this.questions.some((q) => q.key === key); }

  get open(): number { return this.questions.length; }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.term.input.off('keypress', this.onKey);
    this.term.output.off('resize', this.onResize);
    this.term.input.setRawMode?.(false);
    this.term.input.pause();
    this.term.output.write(`${this.eraseFooter()}`);
  }

  private add(entry: Entry): void {
    if (this.closed) { this.term.output.write(`${entry(this.cols).join('\r\n')}\r\n`); return; }
    this.entries.push(entry);
    if (this.entries.length > KEEP) this.entries.splice(0, this.entries.length - KEEP);
    this.queued.push(entry);
    this.schedule();
  }

  // Lines printed in one turn of the event loop are drawn together (a flood of output is one write).
  private schedule(): void {
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = false;
    if (this.closed) return;
    const cols = this.cols;
    const lines = this.queued.flatMap((e) => e(cols));
    this.queued = [];
    this.draw(lines);
  }

  /** Cursor to the first row after the log, everything below it erased. */
  private eraseFooter(): string {
    return `\r${this.below > 1 ? `\x1b[${this.below - 1}A` : ''}\x1b[J`;
  }

  private draw(lines: string[]): void {
    const footer = this.footer();
    let out = this.eraseFooter() + lines.map((l) => `${l}\r\n`).join('');
    const left = Math.max(1, this.below - lines.length); // rows from the cursor to the bottom row
    const pad = Math.max(0, left - footer.length);
    out += '\r\n'.repeat(pad) + footer.join('\r\n') + this.cursorColumn(footer);
    this.below = pad + footer.length;
    this.term.output.write(out);
  }

  /** After a resize: the visible rows drawn again for the new width, footer at the bottom. */
  private repaint(): void {
    if (this.closed) return;
    this.queued = [];
    const cols = this.cols;
    const footer = this.footer();
    const room = this.rows - footer.length;
    const lines: string[] = [];
    for (let i = this.entries.length - 1; i >= 0 && lines.length < room; i--) lines.unshift(...this.entries[i](cols));
    const shown = lines.slice(-room);
    const top = this.rows - footer.length - shown.length + 1;
    this.term.output.write(`\x1b[H\x1b[2J\x1b[${top};1H${[...shown, ...footer].join('\r\n')}${this.cursorColumn(footer)}`);
    this.below = footer.length;
  }

  private footer(): string[] {
    const c = this.io.out;
    const w = this.cols - 1; // never the last column: a full row would wrap and break the redraw
    const rows: string[] = [];
    const q = this.questions[0];
    if (q) {
      this.questions.slice(0, LISTED).forEach((x, i) => rows.push(truncate(`${i === 0 ? c.yellow('▸') : ' '} ${i + 1}. ${x.label}`, w)));
      if (this.questions.length > LISTED) rows.push(c.dim(`  … and ${this.questions.length - LISTED} more, answered in order`));
      rows.push(truncate(c.dim(this.chatting ? 'Tab: back to the question · Enter sends the chat message' : `Tab: chat instead · ${q.keys}`), w));
    }
    rows.push(truncate(this.statusLine(w, this.questions.length), w));
    rows.push(this.inputLine(w));
    return rows.map((r) => neutralizeOutput(r));
  }

  /** The input line's prompt, leaving room to type (a long command is cut in its middle). */
  private prompt(w: number): string {
    const q = this.questions[0];
    if (q && !this.chatting) return `${this.io.out.bold(this.io.out.yellow(truncateMiddle(q.prompt, Math.max(8, w - 6))))} `;
    return `${this.io.out.cyan(q ? 'chat ›' : '›')} `;
  }

  /** The prompt and what is typed; a long text scrolls sideways so that the cursor stays in view. */
  private inputLine(w: number): string {
    const prompt = this.prompt(w);
    const room = Math.max(1, w - width(prompt));
    const start = Math.max(0, this.editor.cursor - room + 1);
    return prompt + this.editor.text.slice(start, start + room);
  }

  private cursorColumn(footer: string[]): string {
    const w = this.cols - 1;
    const prompt = this.prompt(w);
    const room = Math.max(1, w - width(prompt));
    const col = width(prompt) + Math.min(this.editor.cursor, room - 1) + 1;
    return footer.length ? `\r\x1b[${col}G` : '';
  }

  private key(str: string | undefined, key: Key): void {
    if (this.closed) return;
    const act = this.editor.key(str, key ?? {});
    if (act === 'interrupt') { this.onInterrupt(); return; }
    if (act === 'tab') { if (this.questions.length) this.chatting = !this.chatting; this.refresh(); return; }
    if (act === 'submit') { void this.submit(); return; }
    if (act === 'changed') this.refresh();
  }

  private async submit(): Promise<void> {
    const q = this.questions[0];
    if (!q || this.chatting) {
      const text = this.editor.take().trim();
      this.chatting = false;
      if (text) this.onChat(text);
      this.refresh();
      return;
    }
    if (this.busy) return; // the answer before this one is still being sent
    const text = this.editor.take().trim();
    this.print(this.io.out.dim(`${q.prompt} ${text || '(Enter)'}`)); // what was answered stays in the log
    this.busy = true;
    try {
      if (await q.answer(text)) {
        const i = this.questions.indexOf(q);
        if (i >= 0) this.questions.splice(i, 1);
        if (!this.questions.length) this.chatting = false;
      }
    } finally { this.busy = false; }
    this.refresh();
  }
}
