// `--json balance,rates` as gh has it: the document keeps only the named top-level fields.
import { allNames } from './commands.js';
import { usage } from './errors.js';

const FIELD_LIST = /^[a-zA-Z][a-zA-Z0-9]*(,[a-zA-Z][a-zA-Z0-9]*)*$/;

/**
 * argv without the field list (`--json a,b` or `--json=a,b` become `--json`), and the fields asked for.
 * The word after a bare --json is a field list once the command has been named (`codevf balance --json
 * balance`); before that it is the command (`codevf --json balance`).
 */
export function splitJsonFields(argv: string[]): { argv: string[]; fields?: string[] } {
  const commandWords = new Set(allNames().flatMap((n) => n.split(' ')));
  const out: string[] = [];
  let named = false;
  let fields: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { out.push(...argv.slice(i)); break; }
    if (a.startsWith('--json=')) {
      const v = a.slice('--json='.length);
      if (!FIELD_LIST.test(v)) throw usage(`--json takes a comma-separated list of fields, e.g. --json balance,rates (got "${v}").`);
      fields = v.split(',');
      out.push('--json');
    } else if (a === '--json' && named && FIELD_LIST.test(argv[i + 1] ?? '')) {
      fields = argv[++i].split(',');
      out.push('--json');
    } else {
      if (commandWords.has(a)) named = true;
      out.push(a);
    }
  }
  return { argv: out, fields };
}

export class UnknownJsonField extends Error {
  constructor(readonly document: unknown, message: string) { super(message); }
}

/** The document to print: whole, or only `fields` (an unknown one is a usage error naming what exists). */
export function jsonOutput(result: unknown, fields?: string[]): unknown {
  if (!fields) return result;
  if (result === null || typeof result !== 'object' || Array.isArray(result)) throw usage('This command\'s JSON has no fields to choose from: use --json alone.');
  const available = Object.keys(result);
  const unknown = fields.find((f) => !available.includes(f));
  if (unknown) throw new UnknownJsonField(result, `Unknown JSON field: "${unknown}"\nAvailable fields:\n${available.map((f) => `  ${f}`).join('\n')}`);
  return Object.fromEntries(fields.map((f) => [f, (result as Record<string, unknown>)[f]]));
}
