// Where output goes: data on stdout, messages on stderr, colours only where a person will see them.
import pc from 'picocolors';
import { neutralizeOutput } from '../../../protocol/terminal-text.js';

export type Colors = ReturnType<typeof pc.createColors>;

/** NO_COLOR (non-empty) turns colours off, CLICOLOR_FORCE (not "0") forces them, CLICOLOR=0 turns them off, else: is it a terminal. */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.CLICOLOR_FORCE && env.CLICOLOR_FORCE !== '0') return true;
  if (env.CLICOLOR === '0') return false;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export class Io {
  /** Colours for text written to stdout / stderr. */
  readonly out: Colors;
  readonly err: Colors;

  constructor(readonly json: boolean, readonly verbose = false, readonly env: NodeJS.ProcessEnv = process.env) {
    this.out = pc.createColors(colorEnabled(process.stdout, env));
    this.err = pc.createColors(colorEnabled(process.stderr, env));
  }

  /** Both ends are terminals: a person can answer a question. */
  get interactive(): boolean { return Boolean(process.stdin.isTTY && process.stdout.isTTY); }

  // Both carry text from the backend (names, URLs, messages): only our colours reach the terminal, every
  // other control is shown as an escape (protocol/terminal-text.ts).
  /** Human-readable data on stdout; silent with --json (the command returns its document instead). */
  data(text: string): void { if (!this.json) process.stdout.write(neutralizeOutput(text.endsWith('\n') ? text : `${text}\n`)); }

  /** A message for the person, on stderr. */
  info(text: string): void { process.stderr.write(`${neutralizeOutput(text)}\n`); }
  success(text: string): void { this.info(`${this.err.green('✓')} ${text}`); }
  warn(text: string): void { this.info(`${this.err.yellow('Warning:')} ${text}`); }
  debug(text: string): void { if (this.verbose) this.info(this.err.dim(text)); }
}
