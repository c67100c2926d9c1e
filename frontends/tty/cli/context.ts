// What a command gets: its flags and words, the output, and the agent (started on first use, closed by run()).
import type { AgentClient, Capabilities } from './client.js';
import type { Io } from './io.js';

export interface Ctx {
  io: Io;
  /** The command's flags (minimist): `ctx.flags['test-command']`. */
  flags: Record<string, unknown>;
  /** Words after the command name. */
  positionals: string[];
  /** Every argument after the command name, untouched (passthrough commands). */
  rest: string[];
  /** The whole command line (after `codevf`). */
  argv: string[];
  host?: string;
  /** A token given with --token (already warned about). */
  token?: string;
  /** Set by a command that prints its result yet must not exit 0 (e.g. `auth status` when signed out). */
  exitCode?: number;
  /** Starts the agent once; later calls return the same client. */
  agent(capabilities?: Capabilities): Promise<AgentClient>;
}

/** A string flag, or undefined; `--name` with no value is a usage error raised by the caller. */
export function str(ctx: Ctx, name: string): string | undefined {
  const v = ctx.flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** A boolean flag: true / false when given (`--upload`, `-y`, `--no-upload`), undefined when absent. */
export function bool(ctx: Ctx, name: string): boolean | undefined {
  if (ctx.flags[name] === true) return true;
  return ctx.argv.some((a) => a === `--no-${name}` || a === `--${name}=false`) ? false : undefined;
}
