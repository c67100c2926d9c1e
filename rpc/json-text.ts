// A message's JSON text as pieces to write in order, their concatenation exactly `JSON.stringify(message)`.
// Node 20's JSON.stringify escapes a long string one character at a time (~1.3-2 ns each: the largest single
// cost of relaying command output). Where a long string in the message's params or result needs no escaping
// but its newlines, those are escaped by one native replace instead and the string is its own piece (written
// into the output without being joined to the rest first). Anything else is left to JSON.stringify.

/** Strings at least this long in `params` or `result` are escaped apart. */
export const LONG_STRING = 16 * 1024;

/** What JSON escapes in a string, besides the newline (and lone surrogates, found by isWellFormed). */
const ESCAPED: string[] = ['"', '\\'];
for (let c = 0; c < 0x20; c++) if (c !== 0x0a) ESCAPED.push(String.fromCharCode(c));

const isWellFormed = (s: string) => (s as string & { isWellFormed?: () => boolean }).isWellFormed?.() ?? false;

/** The inside of `s`'s JSON string (no quotes) when only its newlines need escaping; null otherwise. */
export function newlinesOnly(s: string): string | null {
  for (let i = 0; i < ESCAPED.length; i++) if (s.includes(ESCAPED[i])) return null;
  if (!isWellFormed(s)) return null; // a lone surrogate, which JSON.stringify writes as \udXXX
  return s.replace(/\n/g, '\\n');
}

const isPlain = (o: unknown): o is Record<string, unknown> => {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return false;
  const proto = Object.getPrototypeOf(o);
  return (proto === Object.prototype || proto === null) && typeof (o as { toJSON?: unknown }).toJSON !== 'function';
};

/** The pieces of `JSON.stringify(message)`. */
export function jsonPieces(message: unknown): string[] {
  if (!isPlain(message)) return [JSON.stringify(message)];
  const body = isPlain(message.params) ? 'params' : isPlain(message.result) ? 'result' : undefined;
  if (!body) return [JSON.stringify(message)];
  const inner = message[body] as Record<string, unknown>;
  const keys = Object.keys(inner);
  let long = false;
  for (const k of keys) {
    const v = inner[k];
    if (typeof v === 'string') { if (v.length >= LONG_STRING) long = true; } else if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      return [JSON.stringify(message)]; // its toJSON would be called with its key: left to JSON.stringify
    }
  }
  if (!long) return [JSON.stringify(message)];
  const pieces: string[] = [];
  let cur = '{';
  let first = true;
  const member = (k: string, text: string | undefined) => {
    if (text === undefined) return false; // undefined, a function or a symbol: JSON.stringify leaves the member out
    cur += `${first ? '' : ','}${JSON.stringify(k)}:${text}`;
    first = false;
    return true;
  };
  for (const k of Object.keys(message)) {
    if (k !== body) { member(k, JSON.stringify(message[k])); continue; }
    member(k, '{');
    let innerFirst = true;
    for (const ik of keys) {
      const v = inner[ik];
      const escaped = typeof v === 'string' && v.length >= LONG_STRING ? newlinesOnly(v) : null;
      const text = escaped === null ? JSON.stringify(v) : undefined;
      if (escaped === null && text === undefined) continue;
      cur += `${innerFirst ? '' : ','}${JSON.stringify(ik)}:`;
      innerFirst = false;
      if (escaped === null) { cur += text; continue; }
      pieces.push(`${cur}"`, escaped);
      cur = '"';
    }
    cur += '}';
  }
  pieces.push(`${cur}}`);
  return pieces;
}
