// codevf-agent: the JSON-RPC agent on stdio. This file only reads flags and starts the server.
import { VERSION } from '../protocol/version.js';
import { parseArgs } from './flags.js';
import type { AgentOptions } from './context.js';
import { startServer } from './server.js';

const USAGE = `codevf-agent ${VERSION}: the CodeVF JSON-RPC agent on stdio.

Usage: codevf-agent [options]

Speaks JSON-RPC 2.0 on stdin/stdout. The framing is detected from the first bytes:
Content-Length headers (LSP, Neovim, LSP4J) or newline-delimited JSON (scripts, ACP).
Send "initialize" first; "rpc.discover" lists every method. Logs go to stderr.

Options:
  --framing auto|content-length|ndjson   force a framing (default: auto)
  --acp                                  speak the Agent Client Protocol v1 (ndjson) instead, for
                                         Zed, JetBrains and ACP editor plugins (see examples/jetbrains)
  --log-file PATH                        also append logs (all levels) to PATH
  --verbose                              log everything to stderr, not only warnings
  --host URL                             CodeVF backend (default: $CODEVF_HOST or the local sandbox)
  --insecure                             allow plain http to a non-loopback host
  --approval-timeout-ms N                deny engineer requests not answered within N ms
                                         (default 300000, or env CODEVF_APPROVAL_TIMEOUT_MS)
  --command-timeout-ms N                 kill approved commands running longer than N ms
                                         (default 600000, or env CODEVF_COMMAND_TIMEOUT_MS)
  --policy FILE                          unattended runs: a JSON policy answers every engineer request
                                         (exact commands, file globs); anything else is denied
  --version, --help

A bad option or value exits with code 2. An unexpected internal failure stops the agent (running
commands are killed, the audit log is flushed) with a non-zero code: start a new one and call resumeTask.
`;

const parsed = parseArgs(process.argv.slice(2), process.env, process.cwd());
if (parsed.kind === 'help') process.stdout.write(USAGE);
else if (parsed.kind === 'version') process.stdout.write(`${VERSION}\n`);
else if (parsed.kind === 'usage') {
  process.stderr.write(`codevf-agent: ${parsed.message}\n\n${USAGE}`);
  process.exitCode = 2;
} else if (parsed.policyFile === undefined) serve(parsed.acp, { ...parsed.options, policy: undefined });
else void policyOrExit(parsed.policyFile).then((policy) => serve(parsed.acp, { ...parsed.options, policy }));

// No top-level await: the build makes this path CommonJS (scripts/merge-startup.mjs).
function serve(acp: boolean, options: AgentOptions) {
  if (acp) void import('./acp/server.js').then((m) => m.startAcp(options));
  else startServer(options);
}

/** A bad policy file stops the agent before it serves anything: an unattended run must not guess. */
async function policyOrExit(file: string) {
  const { loadPolicy } = await import('./policy.js'); // only unattended runs pay for it
  try { return loadPolicy(file); } catch (err) {
    process.stderr.write(`codevf-agent: ${(err as Error).message}\n`);
    process.exit(2);
  }
}
