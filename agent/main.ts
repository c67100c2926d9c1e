// codevf-agent: the JSON-RPC agent on stdio. This file only reads flags and starts the server.
import minimist from 'minimist';
import { VERSION } from '../protocol/version.js';
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
                                         (default 300000; env CODEVF_APPROVAL_TIMEOUT_MS)
  --command-timeout-ms N                 kill approved commands running longer than N ms
                                         (default 600000; env CODEVF_COMMAND_TIMEOUT_MS)
  --policy FILE                          unattended runs: a JSON policy answers every engineer request
                                         (exact commands, file globs); anything else is denied
  --version, --help
`;

const argv = minimist(process.argv.slice(2), {
  string: ['framing', 'log-file', 'host', 'approval-timeout-ms', 'command-timeout-ms', 'policy'],
  boolean: ['verbose', 'help', 'version', 'insecure', 'acp'],
  unknown: (a) => {
    if (!a.startsWith('-')) return true;
    process.stderr.write(`codevf-agent: unknown option ${a}\n\n${USAGE}`);
    process.exit(2);
  },
});

if (argv.help) {
  process.stdout.write(USAGE);
} else if (argv.version) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const framing = (argv.framing ?? 'auto') as string;
  if (!['auto', 'content-length', 'ndjson'].includes(framing)) {
    process.stderr.write(`codevf-agent: --framing must be auto, content-length or ndjson (got "${framing}")\n`);
    process.exit(2);
  }
  const options = {
    policy: argv.policy === undefined ? undefined : await policyOrExit(String(argv.policy)),
    framing: framing as 'auto',
    verbose: Boolean(argv.verbose),
    logFile: argv['log-file'],
    host: argv.host ?? process.env.CODEVF_HOST,
    insecure: Boolean(argv.insecure),
    cwd: process.cwd(),
    env: withFlagEnv(process.env),
  };
  if (argv.acp) void import('./acp/server.js').then((m) => m.startAcp(options));
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

/** Session limits given as flags travel as their env variables (read in agent/session/config.ts). */
function withFlagEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  if (argv['approval-timeout-ms']) out.CODEVF_APPROVAL_TIMEOUT_MS = String(argv['approval-timeout-ms']);
  if (argv['command-timeout-ms']) out.CODEVF_COMMAND_TIMEOUT_MS = String(argv['command-timeout-ms']);
  return out;
}
