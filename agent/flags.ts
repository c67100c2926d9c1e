// The agent's flags, parsed once into a typed config. A bad value is a usage error (exit 2), never a silent default.
import minimist from 'minimist';
import type { AgentOptions } from './context.js';

export type Parsed =
  | { kind: 'help' } | { kind: 'version' }
  | { kind: 'usage'; message: string }
  | { kind: 'run'; acp: boolean; policyFile?: string; options: Omit<AgentOptions, 'policy'> };

const FRAMINGS = ['auto', 'content-length', 'ndjson'] as const;

/** A whole number of milliseconds, at least 1, or the reason it is not. */
function millis(flag: string, raw: unknown): number | string {
  const text = String(raw).trim();
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : `--${flag} must be a whole number of milliseconds, at least 1 (got "${text}")`;
}

export function parseArgs(args: string[], env: NodeJS.ProcessEnv, cwd: string): Parsed {
  let unknown: string | undefined;
  const argv = minimist(args, {
    string: ['framing', 'log-file', 'host', 'approval-timeout-ms', 'command-timeout-ms', 'policy'],
    boolean: ['verbose', 'help', 'version', 'insecure', 'acp'],
    unknown: (a) => { if (a.startsWith('-')) unknown ??= a; return !a.startsWith('-'); },
  });
  if (unknown) return { kind: 'usage', message: `unknown option ${unknown}` };
  if (argv.help) return { kind: 'help' };
  if (argv.version) return { kind: 'version' };
  if (argv._.length) return { kind: 'usage', message: `unexpected argument ${JSON.stringify(String(argv._[0]))}` };
  const framing = String(argv.framing ?? 'auto');
  if (!(FRAMINGS as readonly string[]).includes(framing)) {
    return { kind: 'usage', message: `--framing must be auto, content-length or ndjson (got "${framing}")` };
  }
  const limits: AgentOptions['limits'] = {};
  for (const [flag, key] of [['approval-timeout-ms', 'approvalTimeoutMs'], ['command-timeout-ms', 'commandTimeoutMs']] as const) {
    if (argv[flag] === undefined) continue;
    const v = millis(flag, argv[flag]);
    if (typeof v === 'string') return { kind: 'usage', message: v };
    limits[key] = v;
  }
  for (const flag of ['log-file', 'host', 'policy'] as const) {
    if (argv[flag] !== undefined && !String(argv[flag]).trim()) return { kind: 'usage', message: `--${flag} needs a value` };
  }
  return {
    kind: 'run',
    acp: Boolean(argv.acp),
    policyFile: argv.policy === undefined ? undefined : String(argv.policy),
    options: {
      framing: framing as AgentOptions['framing'],
      verbose: Boolean(argv.verbose),
      logFile: argv['log-file'],
      host: argv.host ?? env.CODEVF_HOST,
      insecure: Boolean(argv.insecure),
      cwd,
      env,
      limits,
    },
  };
}
