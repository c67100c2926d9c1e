// The one place that turns failures into what the person reads and the exit code. Agent errors are
// matched on their stable `data.reason`; each message ends with the one command that fixes it.
import type { RpcError } from '../../../protocol/errors.js';

export const EXIT = { ok: 0, error: 1, usage: 2, auth: 4 } as const;

export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.error, readonly reason = 'error') { super(message); }
}

export const usage = (message: string) => new CliError(message, EXIT.usage, 'usage');
export const cancelled = () => new CliError('Cancelled.', EXIT.usage, 'cancelled');

type Known = { text: string | ((e: RpcError) => string); exit?: number };
const ON_BRANCH = `Please commit your changes to the 'codevf' branch.

To create and switch:
  git checkout -b codevf
  git add .
  git commit -m "Your changes"
  codevf sync`;

const BY_REASON: Record<string, Known> = {
  auth_required: { text: 'Error: Authentication failed.\nPlease run: codevf login', exit: EXIT.auth },
  network_unreachable: { text: (e) => `Error: Cannot connect to CodeVF servers${hostOf(e)}.\nPlease check your internet connection.` },
  no_project: { text: 'Error: No CodeVF project found.\nPlease run: codevf init' },
  dirty_tree: { text: 'Error: Working directory has uncommitted changes.\nPlease commit or stash changes before syncing.\n\nUse --force to sync anyway (not recommended)' },
  wrong_branch: { text: (e) => `Error: ${e.message}\n${ON_BRANCH}` },
  not_a_repository: { text: 'Error: This folder is not a git repository.\nPlease run: git init' },
  no_commits: { text: `Error: The repository has no commits yet.\n${ON_BRANCH}` },
  detached_head: { text: 'Error: HEAD is detached (not on a branch).\nPlease run: git checkout codevf' },
  access_denied: { text: 'Error: The sign-in was denied in the browser.\nPlease run: codevf login', exit: EXIT.auth },
  expired_token: { text: 'Error: The sign-in code expired before it was approved.\nPlease run: codevf login', exit: EXIT.auth },
  invalid_amount: { text: (e) => `Error: ${e.message}\nFor example: codevf topup 10`, exit: EXIT.usage },
  invalid_config: { text: (e) => `Error: ${e.message}\nFix the file, or run: codevf init` },
  upload_not_allowed: { text: 'Error: Code upload is turned off for this project.\nPlease run: codevf init --upload' },
  method_not_found: { text: (e) => `Error: this codevf-agent does not support that yet (${e.message}).\nInstall matching versions of codevf and codevf-agent.` },
  cancelled: { text: 'Cancelled.', exit: EXIT.usage },
};

function hostOf(e: RpcError): string {
  const h = (e.data as { host?: unknown } | undefined)?.host;
  return typeof h === 'string' ? ` at ${h}` : '';
}

/** An error from the agent (an RpcError, or one rebuilt from the wire): has a numeric code and `data.reason`. */
export function isRpcError(e: unknown): e is RpcError {
  return e instanceof Error && typeof (e as RpcError).code === 'number' && typeof (e as RpcError).data?.reason === 'string';
}

export function fromRpc(e: RpcError): CliError {
  const reason = e.code === -32601 ? 'method_not_found' : e.data.reason;
  const known = BY_REASON[reason];
  if (known) return new CliError(typeof known.text === 'string' ? known.text : known.text(e), known.exit ?? EXIT.error, reason);
  const exit = e.code === -32602 ? EXIT.usage : EXIT.error;
  return new CliError(`Error: ${e.message}`, exit, reason);
}

/** Prints the failure (stderr; also one JSON document on stdout with --json) and returns the exit code. */
export function report(e: unknown, json: boolean, verbose = false): number {
  const err = e instanceof CliError ? e : isRpcError(e) ? fromRpc(e) : new CliError(`Error: ${e instanceof Error ? e.message : String(e)}`);
  const text = err.message.startsWith('Error:') || err.exitCode === EXIT.usage ? err.message : `Error: ${err.message}`;
  process.stderr.write(`${text}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ error: { reason: err.reason, message: text, exitCode: err.exitCode } }, null, 2)}\n`);
  if (verbose && !(e instanceof CliError) && !isRpcError(e) && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return err.exitCode;
}
