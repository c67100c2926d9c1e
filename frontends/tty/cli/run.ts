// Parses the command line for one command, runs it, prints its JSON document with --json, closes the agent.
import minimist from 'minimist';
import { AgentClient, type Capabilities } from './client.js';
import { COMMANDS, GLOBAL_BOOLEANS, GLOBAL_STRINGS, words, type CommandSpec } from './commands.js';
import type { Ctx } from './context.js';
import { cancelled, EXIT, namingFlags, report, usage } from './errors.js';
import { Io } from './io.js';
import { jsonOutput, splitJsonFields, UnknownJsonField } from './json-fields.js';
import { didYouMean } from './suggest.js';
import { startUpdateNotice } from './update-notice.js';

function parse(argv: string[], spec: CommandSpec) {
  const unknown: string[] = [];
  const booleans = [...GLOBAL_BOOLEANS, ...(spec.booleans ?? [])];
  const parsed = minimist(argv, {
    string: ['_', ...GLOBAL_STRINGS, ...(spec.strings ?? [])],
    boolean: booleans,
    alias: { ...(booleans.includes('yes') ? { y: 'yes' } : {}), ...(spec.strings?.includes('shell') ? { s: 'shell' } : {}) },
    unknown: (a) => { if (a.startsWith('-')) unknown.push(a); return !a.startsWith('-'); },
  });
  if (unknown.length) throw usage(`Unknown option ${unknown[0]} for "codevf ${spec.name}".\nRun: codevf ${spec.name} --help`);
  for (const s of [...GLOBAL_STRINGS, ...(spec.strings ?? [])]) {
    if (parsed[s] === '' && argv.includes(`--${s}`)) throw usage(`--${s} needs a value.\nRun: codevf ${spec.name} --help`);
  }
  return parsed;
}

/** The command to run and how many of its name's words were typed (`tokens` alone runs `tokens list`). */
function checkCommand(argv: string[], spec: CommandSpec | undefined): { spec: CommandSpec; typed: number } {
  const typed = words(argv);
  if (!spec) {
    if (!typed[0]) throw usage('Which command?\nRun: codevf --help');
    throw usage(`Unknown command "${typed[0]}" for "codevf".${didYouMean(typed[0], COMMANDS.map((c) => c.name))}\n\nRun: codevf --help`);
  }
  if (spec.load) return { spec, typed: spec.name.split(' ').length };
  const subs = spec.sub?.map((s) => s.name.split(' ')[1]) ?? [];
  if (typed[1] !== undefined) {
    throw usage(`Unknown command "${typed[1]}" for "codevf ${spec.name}".${didYouMean(typed[1], subs, `codevf ${spec.name} `)}\n\nRun: codevf ${spec.name} --help`);
  }
  const fallback = spec.fallback && spec.sub?.find((s) => s.name === `${spec.name} ${spec.fallback}`);
  if (fallback) return { spec: fallback, typed: 1 };
  throw usage(`"codevf ${spec.name}" needs a subcommand: ${subs.join('|')}.\nRun: codevf ${spec.name} --help`);
}

export async function run(fullArgv: string[], found: CommandSpec | undefined): Promise<number> {
  const { argv, fields } = splitJsonFields(fullArgv);
  const { spec, typed } = checkCommand(argv, found);
  const nameWords = spec.name.split(' ').slice(0, typed);
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
    agent(capabilities: Capabilities = {}) {
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
    const result = await (await spec.load!())(ctx).catch((e: unknown) => { throw namingFlags(e, spec); });
    if (io.json && result !== undefined) {
      try {
        process.stdout.write(`${JSON.stringify(jsonOutput(result, fields), null, 2)}\n`);
      } catch (e) {
        if (!(e instanceof UnknownJsonField)) throw e;
        // The command already ran: its whole document still goes out (a new token's value is not lost).
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        io.info(e.message);
        return EXIT.usage;
      }
    }
    await notice();
    return ctx.exitCode ?? EXIT.ok;
  } finally {
    process.off('SIGINT', onInterrupt);
    if (client) await client.then((c) => c.close(), () => undefined);
  }
}
