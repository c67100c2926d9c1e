// Every command: its help text, its flags and where its code lives. Kept free of heavy imports so that
// `--help` prints without loading the agent protocol (zod) or any command module.
import type { Ctx } from './context.js';
import { EXAMPLES } from './examples.js';

export interface CommandSpec {
  /** Full name as typed, e.g. `auth login`, `tokens create`. */
  name: string;
  summary: string;
  usage: string;
  /** Option lines for --help (global options are added to every page). */
  options?: string;
  strings?: string[];
  booleans?: string[];
  /** Hands every argument after the name to the command untouched (`sandbox`). */
  passthrough?: boolean;
  load?: () => Promise<(ctx: Ctx) => Promise<unknown>>;
  /** Subcommands of a group (`auth`, `tokens`). */
  sub?: CommandSpec[];
  /** The subcommand a group runs when none is named (`tokens` lists). */
  fallback?: string;
  /** Wire fields of this command's requests and the flag that sets each, so errors name the flag. */
  flagFor?: Record<string, string>;
}

const login: Omit<CommandSpec, 'name'> = {
  summary: 'Sign in (device flow in your browser, or a token on stdin)',
  usage: 'codevf login [--with-token] [--no-browser]',
  options: `  --with-token   read a token (cvf_...) from stdin, e.g. codevf login --with-token < token.txt
  --no-browser   print the code and URL only; do not open a browser`,
  booleans: ['with-token', 'browser'],
  load: async () => (await import('../commands/auth.js')).login,
};
const logout: Omit<CommandSpec, 'name'> = {
  summary: 'Revoke the token on the server and delete every local copy',
  usage: 'codevf logout',
  load: async () => (await import('../commands/auth.js')).logout,
};
const authStatus: Omit<CommandSpec, 'name'> = {
  summary: 'Show the host, account, token source, masked token, scopes and expiry (exit 4 when signed out)',
  usage: 'codevf auth status',
  load: async () => (await import('../commands/auth.js')).status,
};
const authRefresh: Omit<CommandSpec, 'name'> = {
  summary: 'Get a fresh access token now with the stored refresh token (device sign-ins only)',
  usage: 'codevf auth refresh',
  load: async () => (await import('../commands/auth.js')).refresh,
};
const authToken: Omit<CommandSpec, 'name'> = {
  summary: 'Print the token alone on stdout (for scripts; exit 4 when signed out)',
  usage: 'codevf auth token',
  load: async () => (await import('../commands/auth.js')).token,
};

const tokenCommands: CommandSpec[] = [
  { name: 'tokens list', summary: 'List your access tokens (never their values)', usage: 'codevf tokens list',
    load: async () => (await import('../commands/tokens.js')).list },
  { name: 'tokens create', summary: 'Create a personal access token; its value is printed once, alone on stdout',
    usage: 'codevf tokens create --name NAME [--scopes tasks,projects] [--expires-days N]',
    options: `  --name NAME         a label for the token (required)
  --scopes LIST       comma-separated: profile,billing,projects,tasks,tokens (default: all of them)
  --expires-days N    days until it expires (default: the server's)`,
    strings: ['name', 'scopes', 'expires-days'], flagFor: { expiresInDays: '--expires-days', scopes: '--scopes', name: '--name' },
    load: async () => (await import('../commands/tokens.js')).create },
  { name: 'tokens revoke', summary: 'Revoke one token by id, or all of them',
    usage: 'codevf tokens revoke <token-id> | --all [--yes]',
    options: `  --all    revoke every token of the account (this signs you out everywhere)
  --yes    do not ask for confirmation with --all`,
    booleans: ['all', 'yes'],
    load: async () => (await import('../commands/tokens.js')).revoke },
];

const configCommands: CommandSpec[] = [
  { name: 'config get', summary: 'Print the value in use (and where it comes from, on stderr)', usage: 'codevf config get <key>',
    load: async () => (await import('../commands/config.js')).get },
  { name: 'config set', summary: 'Store a setting in ~/.config/codevf/config.json', usage: 'codevf config set <key> <value>',
    load: async () => (await import('../commands/config.js')).set },
  { name: 'config unset', summary: 'Remove a stored setting', usage: 'codevf config unset <key>',
    load: async () => (await import('../commands/config.js')).unset },
  { name: 'config list', summary: 'Print every setting as key=value', usage: 'codevf config list',
    load: async () => (await import('../commands/config.js')).list },
];

export const COMMANDS: CommandSpec[] = [
  { name: 'login', ...login },
  { name: 'logout', ...logout },
  { name: 'auth', summary: 'Sign in, sign out, check who you are, refresh or print the token', usage: 'codevf auth <login|status|logout|refresh|token>',
    sub: [{ name: 'auth login', ...login, usage: login.usage.replace('codevf login', 'codevf auth login') }, { name: 'auth status', ...authStatus },
      { name: 'auth logout', ...logout, usage: 'codevf auth logout' }, { name: 'auth refresh', ...authRefresh }, { name: 'auth token', ...authToken }] },
  { name: 'init', summary: 'Set up this folder as a CodeVF project (a short wizard)',
    usage: 'codevf init [--yes] [--name NAME] [--test-command CMD] [--build-command CMD] [--ai-tools LIST] [--upload|--no-upload] [--branch-mode codevf|any]',
    options: `  -y, --yes              accept the detected defaults for every question not given as a flag
  --name NAME            project name (default: the folder name)
  --test-command CMD     test command ("none" for none; default: detected)
  --build-command CMD    build command ("none" for none; default: detected)
  --ai-tools LIST        AI tools the engineer may use: claude,gemini,gpt or none (default: none)
  --upload, --no-upload  upload a snapshot of the code for faster debugging (default: no)
  --branch-mode MODE     codevf: engineers see only the codevf branch (default); any: every branch`,
    strings: ['name', 'test-command', 'build-command', 'ai-tools', 'branch-mode'], booleans: ['yes', 'upload'],
    load: async () => (await import('../commands/init.js')).init },
  { name: 'fix', summary: 'Start a live session with an engineer (or an AI agent first) about an issue',
    usage: 'codevf fix "<issue description>" [--ai | --hybrid] [--ai-tool NAME] [--wait SECONDS]',
    options: `  --wait SECONDS   ask whether to keep waiting after this long without an engineer (default: 120)
  --ai             an AI agent only (free within a daily allowance); /human asks for an engineer
  --hybrid         an AI agent first, a human engineer when it gives up, fails or you type /human
  --ai-tool NAME   which AI agent (one of the project's allowedTools; default the first)
  Without --ai/--hybrid the project's "mode" applies (human when unset).

In the session: type a message and press Enter to chat. Requests from the engineer are answered with
y (allow once), n (deny) or a (allow this exact command for the rest of the session; commands only),
one at a time in the order they came; text that is not an answer is never taken as one. While a request
is open, Tab switches the input line to a chat message. The bottom line shows the engineer, rate, minutes,
credits used, balance and connection. An AI agent's requests are asked exactly the same way; /human hands
an AI session to an engineer, and /transcript then shows all of what the engineer was given. Ctrl+C ends the session, shows the summary and asks for a 1-5 rating. Needs a terminal.`,
    strings: ['wait', 'ai-tool'], booleans: ['ai', 'hybrid'],
    load: async () => (await import('../session/live.js')).fix },
  { name: 'sync', summary: "Record the 'codevf' branch and its HEAD commit with CodeVF", usage: 'codevf sync [--force] [--upload]',
    options: `  --force    sync even with uncommitted changes (not recommended); never with a never-share
             file (.env, keys) committed on the branch
  --upload   also upload a snapshot of the code (when allowed by init)`,
    booleans: ['force', 'upload'],
    load: async () => (await import('../commands/sync.js')).sync },
  { name: 'status', summary: 'Show the account, the project in this folder and the credits left', usage: 'codevf status',
    load: async () => (await import('../commands/status.js')).status },
  { name: 'balance', summary: 'Show the credits left and the rates that apply', usage: 'codevf balance',
    load: async () => (await import('../commands/account.js')).balance },
  { name: 'rates', summary: 'Show current prices (no sign-in needed)', usage: 'codevf rates',
    load: async () => (await import('../commands/account.js')).rates },
  { name: 'topup', summary: 'Buy credits: prints the checkout URL', usage: 'codevf topup <amount in USD> [--open]',
    options: '  --open   open the checkout in your browser (the URL is printed either way)', booleans: ['open'],
    load: async () => (await import('../commands/account.js')).topup },
  { name: 'tokens', summary: 'List, create and revoke personal access tokens', usage: 'codevf tokens [list|create|revoke]', sub: tokenCommands, fallback: 'list' },
  { name: 'config', summary: 'Get and set settings (host: the backend used without --host)', usage: 'codevf config <get|set|unset|list>', sub: configCommands },
  { name: 'doctor', summary: 'Show which git, keyring, host and Node codevf uses, and what is missing', usage: 'codevf doctor',
    load: async () => (await import('../commands/doctor.js')).doctor },
  { name: 'completion', summary: 'Print a shell completion script (bash, zsh or fish)', usage: 'codevf completion -s bash|zsh|fish',
    options: '  -s, --shell SHELL   bash, zsh or fish', strings: ['shell'],
    load: async () => (await import('./completion.js')).completion },
  { name: 'self-update', summary: 'Update codevf to the latest release (checked against its SHA256SUMS)', usage: 'codevf self-update [--check]',
    options: `  --check   only say whether a newer version exists; install nothing

Environment: CODEVF_RELEASE_URL (https://, http:// or file://) is where releases are read from.`,
    booleans: ['check'],
    load: async () => (await import('../commands/update.js')).selfUpdate },
  { name: 'sandbox', summary: 'Run the reference backend on this machine (demo accounts included)',
    usage: 'codevf sandbox [--port N] [--data DIR] [--json] [--minute-ms MS] [...]',
    options: '  Every argument is passed to the sandbox. --port 4780 and --data ~/.local/share/codevf-sandbox by default.',
    passthrough: true,
    load: async () => (await import('../commands/sandbox.js')).sandbox },
];

const GLOBAL = `Global options:
  --json [FIELDS]  print exactly one JSON document on stdout (messages still go to stderr);
                   FIELDS (e.g. --json balance,rates) keeps only those top-level fields
  --host URL       CodeVF backend (default: $CODEVF_HOST, then "codevf config get host", then the local sandbox)
  --verbose        show the agent's log on stderr
  --token TOKEN    use this token (prefer CODEVF_TOKEN or login --with-token: command lines are visible to other users)
  -h, --help       show help;  -v, --version  print the version

Environment: CODEVF_HOST, CODEVF_TOKEN; NO_COLOR or CLICOLOR=0 turn colours off, CLICOLOR_FORCE=1 forces them;
CODEVF_NO_UPDATE_NOTIFIER=1 silences the once-a-day update notice.
Exit codes: 0 ok, 1 error, 2 usage or cancelled, 4 authentication required.
`;

/** Flags of the whole program that take a value (their values are not command words). */
export const GLOBAL_STRINGS = ['host', 'token'];
export const GLOBAL_BOOLEANS = ['json', 'verbose', 'help'];

/** The command named by the leading words (`auth status` -> its spec; `auth` alone -> the group). */
export function findCommand(words: string[]): CommandSpec | undefined {
  const top = COMMANDS.find((c) => c.name === words[0]);
  if (!top?.sub) return top;
  return top.sub.find((s) => s.name === `${top.name} ${words[1]}`) ?? top;
}

/** Positional words of argv, skipping the values of global string flags. */
export function words(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return out.concat(argv.slice(i + 1));
    if (a.startsWith('--') && GLOBAL_STRINGS.includes(a.slice(2))) i++;
    else if (!a.startsWith('-')) out.push(a);
  }
  return out;
}

const examplesOf = (name: string) => `\nExamples:\n${(EXAMPLES[name] ?? []).map((e) => `  $ ${e}`).join('\n')}\n`;

export function helpFor(spec?: CommandSpec): string {
  if (!spec) {
    const rows = COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`).join('\n');
    return `codevf: a live human engineer at your terminal.

Usage: codevf <command> [options]

Commands:
${rows}

Run "codevf <command> --help" for a command's options.
${examplesOf('fix').replace('\nExamples:', '\nExamples:\n  $ codevf login\n  $ codevf init')}
${GLOBAL}`;
  }
  const sub = spec.sub ? `\nCommands:\n${spec.sub.map((s) => `  ${s.name.padEnd(14)} ${s.summary}`).join('\n')}\n` : '';
  const options = spec.options ? `\nOptions:\n${spec.options}\n` : '';
  return `${spec.summary}.\n\nUsage: ${spec.usage}\n${sub}${options}${examplesOf(spec.name)}\n${GLOBAL}`;
}

/** Every command name, groups and subcommands alike (for completion and suggestions). */
export function allNames(): string[] {
  return COMMANDS.flatMap((c) => [c.name, ...(c.sub ?? []).map((s) => s.name)]);
}
