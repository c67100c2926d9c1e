// Questions on the terminal with node's readline. Asked only when stdin and stdout are terminals; otherwise the
// command fails with the flag that answers the question. Ctrl+C or Ctrl+D while asked cancels (exit 2).
import { createInterface, type Interface } from 'node:readline';
import { cancelled, usage } from './errors.js';
import type { Io } from './io.js';

/** The error for a question nobody can answer here, naming the flag that answers it. */
export function needsFlag(question: string, flag: string) {
  return usage(`"${question}" needs an answer and there is no terminal to ask it on.\nPass ${flag}.`);
}

export class Prompter {
  private rl: Interface;
  private pending?: (e: Error) => void;

  constructor(private io: Io) {
    this.rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    this.rl.on('SIGINT', () => { this.fail(); this.rl.close(); });
    this.rl.on('close', () => this.fail());
  }

  private fail() { const p = this.pending; this.pending = undefined; p?.(cancelled()); }

  /** The trimmed answer, or `def` when the answer is empty. `hint`: one short line above, what the answer is for. */
  ask(question: string, def = '', hint?: string): Promise<string> {
    const shown = def ? ` ${this.io.err.dim(`(${def})`)}` : '';
    if (hint) this.io.info(this.io.err.dim(`  ${hint}`));
    return new Promise((resolve, reject) => {
      this.pending = reject;
      this.rl.question(`${this.io.err.bold('?')} ${question}${shown}: `, (a) => { this.pending = undefined; resolve(a.trim() || def); });
    });
  }

  async confirm(question: string, def: boolean, hint?: string): Promise<boolean> {
    for (let first = true; ; first = false) {
      const a = (await this.ask(`${question} ${def ? '(Y/n)' : '(y/N)'}`, '', first ? hint : undefined)).toLowerCase();
      if (!a) return def;
      if (a === 'y' || a === 'yes') return true;
      if (a === 'n' || a === 'no') return false;
      this.io.info('Please answer y or n.');
    }
  }

  close(): void { this.pending = undefined; this.rl.close(); }
}
