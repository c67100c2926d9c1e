// The terminal as one seam (gh's iostreams idea): screen code reads keys from `input` and writes to `output`,
// so it runs against the process's terminal, a tmux pane, or an in-process fake in a test.
import type { EventEmitter } from 'node:events';

export interface TermInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
}

export interface TermOutput extends EventEmitter {
  write(text: string): unknown;
  readonly columns?: number;
  readonly rows?: number;
}

export interface Terminal { input: TermInput; output: TermOutput }

export const processTerminal = (): Terminal => ({ input: process.stdin, output: process.stdout });
