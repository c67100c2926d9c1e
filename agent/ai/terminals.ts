// ACP terminals for the AI agent. Each `terminal/create` is a command request put to the customer; only an
// allowed one runs (through the session's runner: the shown string exactly, redacted output). The AI then
// reads the redacted output, waits for the exit, kills or releases it, per ACP.
import type { AcpCreateTerminalParams } from '../../protocol/acp-client.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';

export interface RunHandle {
  /** Redacted output as it comes. */
  onOutput(cb: (text: string) => void): void;
  done: Promise<{ exitCode: number | null; signal: string | null }>;
  kill(): void;
}

interface Term { output: string; truncated: boolean; limit: number; run: RunHandle; exit: { exitCode: number | null; signal: string | null } | null }

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
const DEFAULT_LIMIT = 1024 * 1024;

/** One shell string for the customer to read, which is exactly what runs: env assignments, command, quoted args. */
export function shellLine(p: AcpCreateTerminalParams): string {
  const q = (s: string) => (SAFE_WORD.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const env = (p.env ?? []).map((e) => `${e.name}=${q(e.value)}`);
  // `command` alone may be a whole shell line (agents send `npm test` as one string); args are quoted.
  return [...env, p.command, ...(p.args ?? []).map(q)].join(' ');
}

export class Terminals {
  private terms = new Map<string, Term>();
  private next = 1;

  add(p: AcpCreateTerminalParams, run: RunHandle): string {
    const id = `term_${this.next++}`;
    const t: Term = { output: '', truncated: false, limit: p.outputByteLimit ?? DEFAULT_LIMIT, run, exit: null };
    run.onOutput((text) => {
      t.output += text;
      // ACP: keep the newest bytes, cut at a character boundary.
      while (Buffer.byteLength(t.output) > t.limit) { t.output = t.output.slice(Math.max(1, Math.ceil(t.output.length / 8))); t.truncated = true; }
    });
    void run.done.then((e) => { t.exit = e; });
    this.terms.set(id, t);
    return id;
  }

  private get(id: string): Term {
    const t = this.terms.get(id);
    if (!t) throw new RpcError(ErrorCode.InvalidParams, `No terminal ${id}.`, 'not_found');
    return t;
  }

  output(id: string) {
    const t = this.get(id);
    return { output: t.output, truncated: t.truncated, exitStatus: t.exit ? { exitCode: t.exit.exitCode, signal: t.exit.signal } : null };
  }

  async waitForExit(id: string) {
    const e = await this.get(id).run.done;
    return { exitCode: e.exitCode, signal: e.signal };
  }

  kill(id: string): null { this.get(id).run.kill(); return null; }

  release(id: string): null {
    const t = this.get(id);
    if (!t.exit) t.run.kill();
    this.terms.delete(id);
    return null;
  }

  killAll(): void { for (const t of this.terms.values()) if (!t.exit) t.run.kill(); }
}
