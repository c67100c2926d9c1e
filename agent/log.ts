// The agent's logger: stderr (warnings and errors, everything with --verbose) and an optional log file.
// Never stdout: stdout is the JSON-RPC wire. Token-shaped strings are masked before anything is written.
import { appendFileSync } from 'node:fs';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, extra?: unknown): void;
  info(msg: string, extra?: unknown): void;
  warn(msg: string, extra?: unknown): void;
  error(msg: string, extra?: unknown): void;
}

/** Masks CodeVF tokens, bearer headers and JWTs in a log line. */
export function scrub(text: string): string {
  return text
    .replace(/cvf_[A-Za-z0-9_-]{4,}/g, 'cvf_****') // base64url bodies contain - and _
    .replace(/(Bearer\s+)\S+/gi, '$1****')
    .replace(/\bey[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g, '<jwt ****>');
}

export function createLogger(opts: { verbose?: boolean; file?: string; stderr?: NodeJS.WritableStream } = {}): Logger {
  const min = opts.verbose ? RANK.debug : RANK.warn;
  const write = (level: Level, msg: string, extra?: unknown) => {
    // A line that goes nowhere is not built, and process.stderr (a stream made on first use) waits for a real line.
    const shown = RANK[level] >= min;
    if (!shown && !opts.file) return;
    let line = `${new Date().toISOString()} ${level.padEnd(5)} ${msg}`;
    if (extra !== undefined) line += ' ' + (extra instanceof Error ? (extra.stack ?? extra.message) : safeJson(extra));
    line = scrub(line) + '\n';
    if (shown) (opts.stderr ?? process.stderr).write(`codevf-agent: ${line}`);
    if (opts.file) { try { appendFileSync(opts.file, line, { mode: 0o600 }); } catch { /* a broken log file must not stop the agent */ } }
  };
  return {
    debug: (m, e) => write('debug', m, e),
    info: (m, e) => write('info', m, e),
    warn: (m, e) => write('warn', m, e),
    error: (m, e) => write('error', m, e),
  };
}

function safeJson(v: unknown): string {
  try { return JSON.stringify(v); } catch { return String(v); }
}
