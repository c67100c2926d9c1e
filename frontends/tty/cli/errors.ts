// The one place that turns failures into what the person reads and the exit code. Agent errors are
// matched on their stable `data.reason`; each message ends with the one command that fixes it.
import { isDeclaredReason, type ErrorReason, type RpcError } from '../../../protocol/errors.js';
import type { CommandSpec } from './commands.js';
import { neutralize } from '../../../protocol/terminal-text.js';

export const EXIT = { ok: 0, error: 1, usage: 2, auth: 4 } as const;

export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.error, readonly reason = 'error') { super(message); }
}

export const usage = (message: string) => new CliError(message, EXIT.usage, 'usage');
export const cancelled = () => new CliError('Cancelled.', EXIT.usage, 'cancelled');

type Known = { text: string | ((e: RpcError) => string); exit?: number };
// The agent's message already holds the fix (and the untracked files to add by name): printed once, as is.
const AS_IS = (e: RpcError) => `Error: ${e.message}`;

const BY_REASON: Partial<Record<ErrorReason, Known>> = {
  auth_required: { text: 'Error: Authentication failed.\nPlease run: codevf login', exit: EXIT.auth },
  network_unreachable: { text: unreachable },
  no_project: { text: 'Error: No CodeVF project found.\nPlease run: codevf init' },
  dirty_tree: { text: 'Error: Working directory has uncommitted changes.\nPlease commit or stash changes before syncing.\n\nUse --force to sync anyway (not recommended)' },
  wrong_branch: { text: AS_IS },
  not_a_git_repository: { text: 'Error: This folder is not a git repository.\nPlease run: git init' },
  no_commits: { text: AS_IS },
  never_share_tracked: { text: AS_IS },
  detached_head: { text: 'Error: HEAD is detached (not on a branch).\nPlease run: git checkout codevf' },
  access_denied: { text: 'Error: The sign-in was denied in the browser.\nPlease run: codevf login', exit: EXIT.auth },
  expired_token: { text: 'Error: The sign-in code expired before it was approved.\nPlease run: codevf login', exit: EXIT.auth },
  invalid_amount: { text: (e) => `Error: ${e.message}\nFor example: codevf topup 10`, exit: EXIT.usage },
  invalid_config: { text: (e) => `Error: ${e.message}\nFix the file, or run: codevf init` },
  upload_not_allowed: { text: 'Error: Code upload is turned off for this project.\nPlease run: codevf init --upload' },
  method_not_found: { text: (e) => `Error: this codevf-agent does not support that yet (${e.message}).\nInstall matching versions of codevf and codevf-agent.` },
  cancelled: { text: 'Cancelled.', exit: EXIT.usage },
};

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;

/** A loopback host cannot be "your internet connection": nothing listens there. */
function unreachable(e: RpcError): string {
  const h = (e.data as { host?: unknown } | undefined)?.host;
  if (typeof h !== 'string') return 'Error: Cannot connect to CodeVF servers.\nPlease check your internet connection.';
  let name = '';
  try { name = new URL(h.includes('://') ? h : `http://${h}`).hostname; } catch { /* not a host: treated as remote */ }
  if (LOOPBACK.test(name)) return `Error: Nothing answers at ${h}: the CodeVF server is not running there.\nStart it, or pass the right --host.`;
  return `Error: Cannot connect to CodeVF servers at ${h}.\nPlease check your internet connection.`;
}

/** An error from the agent (an RpcError, or one rebuilt from the wire): has a numeric code and `data.reason`. */
export function isRpcError(e: unknown): e is RpcError {
  return e instanceof Error && typeof (e as RpcError).code === 'number' && typeof (e as RpcError).data?.reason === 'string';
}

export function fromRpc(e: RpcError): CliError {
  const reason = e.code === -32601 ? 'method_not_found' : e.data.reason;
  const known = isDeclaredReason(reason) ? BY_REASON[reason] : undefined;
  if (known) return new CliError(typeof known.text === 'string' ? known.text : known.text(e), known.exit ?? EXIT.error, reason);
  const exit = e.code === -32602 ? EXIT.usage : EXIT.error;
  return new CliError(`Error: ${e.message}`, exit, reason);
}

/** Prints the failure (stderr; also one JSON document on stdout with --json) and returns the exit code. */
export function report(e: unknown, json: boolean, verbose = false): number {
  const err = e instanceof CliError ? e : isRpcError(e) ? fromRpc(e) : new CliError(`Error: ${e instanceof Error ? e.message : String(e)}`);
  const text = err.message.startsWith('Error:') || err.exitCode === EXIT.usage ? err.message : `Error: ${err.message}`;
  process.stderr.write(`${neutralize(text)}\n`); // messages can quote the backend
  // The document's message is the message alone: "Error: " is for the person reading stderr.
  const message = text.replace(/^Error: /, '');
  if (json) process.stdout.write(`${JSON.stringify({ error: { reason: err.reason, message, exitCode: err.exitCode } }, null, 2)}\n`);
  if (verbose && !(e instanceof CliError) && !isRpcError(e) && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return err.exitCode;
}

/**
 * A refusal about one field of a request, told with the flag the user typed: `body.expiresInDays: must be
 * at most 365 days` becomes `--expires-days must be at most 365 days` (exit 2). Anything else passes through.
 */
export function namingFlags(e: unknown, spec: CommandSpec): unknown {
  if (!spec.flagFor || !isRpcError(e)) return e;
  const status = (e.data as { status?: unknown }).status;
  if (e.code !== -32602 && status !== 400 && status !== 422) return e;
  const m = /^(?:body\.|params\.)?([A-Za-z]+)(?:\.[\w.]*)?:\s*(.*)$/s.exec(e.message);
  const flag = m && spec.flagFor[m[1]];
  return flag ? new CliError(`Error: ${flag} ${m[2]}`, EXIT.usage, 'usage') : e;
}
