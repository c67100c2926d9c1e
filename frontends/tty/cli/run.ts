// Parses the command line for one command, runs it, prints its JSON document with --json, closes the agent.
import minimist from 'minimist';
import { AgentClient, type AgentOptions } from './client.js';
import { GLOBAL_BOOLEANS, GLOBAL_STRINGS, type CommandSpec } from './commands.js';
import type { Ctx } from './context.js';
import { cancelled, EXIT, report, usage } from './errors.js';
import { Io } from './io.js';
import { startUpdateNotice } from './update-notice.js';

function parse(argv: string[], spec: CommandSpec) {
  const unknown: string[] = [];
  const booleans = [...GLOBAL_BOOLEANS, ...(spec.booleans ?? [])];
  const parsed = minimist(argv, {
    string: ['_', ...GLOBAL_STRINGS, ...(spec.strings ?? [])],
    boolean: booleans,
    alias: booleans.includes('yes') ? { y: 'yes' } : {},
    unknown: (a) => { if (a.startsWith('-')) unknown.push(a); return !a.startsWith('-'); },
  });
  if (unknown.length) throw usage(`Unknown option ${unknown[0]} for "codevf ${spec.name}".\nRun: codevf ${spec.name} --help`);
  for (const s of [...GLOBAL_STRINGS, ...(spec.strings ?? [])]) {
    if (parsed[s] === '' && argv.includes(`--${s}`)) throw usage(`--${s} needs a value.\nRun: codevf ${spec.name} --help`);
  }
  return parsed;
}

function checkCommand(argv: string[], spec: CommandSpec | undefined): CommandSpec {
  if (!spec) {
    const first = argv.find((a) => !a.startsWith('-'));
    throw usage(first ? `Unknown command "${first}".\nRun: codevf --help` : 'Which command?\nRun: codevf --help');
  }
  if (!spec.load) {
    const names = spec.sub?.map((s) => s.name.split(' ')[1]).join('|');
    throw usage(`"codevf ${spec.name}" needs a subcommand: ${names}.\nRun: codevf ${spec.name} --help`);
  }
  return spec;
}

export async function run(argv: string[], found: CommandSpec | undefined): Promise<number> {
  const spec = checkCommand(argv, found);
  const nameWords = spec.name.split(' ');
  const at = argv.indexOf(nameWords[nameWords.length - 1]);
  const rest = argv.slice(at + 1);
  const parsed = parse(spec.passthrough ? argv.slice(0, at + 1) : argv, spec);
  const io = new Io(Boolean(parsed.json), Boolean(parsed.verbose));
  const env: NodeJS.ProcessEnv = { ...process.env };
  const token = typeof parsed.token === 'string' ? parsed.token : undefined;
  if (token) {
    io.warn('--token is visible to other users of this machine (ps, shell history). Use CODEVF_TOKEN or "codevf login --with-token" instead.');
    if (!spec.name.endsWith('login')) env.CODEVF_TOKEN = token; // login stores it instead
  }
  let client: Promise<AgentClient> | undefined;
  const ctx: Ctx = {
    io, flags: parsed, rest, argv, host: parsed.host || undefined, token,
    positionals: (parsed._ as string[]).slice(nameWords.length),
    agent(capabilities: AgentOptions['capabilities'] = {}) {
      client ??= AgentClient.start({ host: ctx.host, verbose: io.verbose, env, capabilities });
      return client;
    },
  };
  // Ctrl+C outside a prompt (prompts read it as a key): a clean stop, exit 2. The agent runs in its own
  // process group, so the terminal's SIGINT reaches only us and we shut it down properly.
  const onInterrupt = () => {
    const code = report(cancelled(), io.json);
    void (client?.then((c) => c.close()) ?? Promise.resolve()).finally(() => process.exit(code));
  };
  if (!spec.passthrough) process.once('SIGINT', onInterrupt);
  const notice = spec.passthrough ? async () => {} : startUpdateNotice(io, spec.name);
  try {
    const result = await (await spec.load!())(ctx);
    if (io.json && result !== undefined) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    await notice();
    return ctx.exitCode ?? EXIT.ok;
  } finally {
    process.off('SIGINT', onInterrupt);
    if (client) await client.then((c) => c.close(), () => undefined);
  }
}
