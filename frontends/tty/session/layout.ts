// Text laid out for a width: word wrap that keeps colours, boxes whose borders never break, one-line fits.
// Pure functions of (text, width): the screen calls them again with the new width on resize.

const SGR = /\x1b\[[0-9;]*m/g;

/** Columns a string takes (colour codes take none; one column per code point). */
export function width(s: string): number {
  let n = 0;
  for (const _ of s.replace(SGR, '')) n++;
  return n;
}

/** Splits into [colour code | single character] tokens. */
function tokens(s: string): string[] {
  return s.match(/\x1b\[[0-9;]*m|[\s\S]/gu) ?? [];
}

/** The first `cols` columns of a line, with "…" when cut. */
export function truncate(s: string, cols: number): string {
  if (width(s) <= cols) return s;
  if (cols <= 0) return '';
  let out = '';
  let n = 0;
  for (const t of tokens(s)) {
    if (t.startsWith('\x1b')) { out += t; continue; }
    if (n === cols - 1) break;
    out += t;
    n++;
  }
  return `${out}…${/\x1b\[/.test(s) ? '\x1b[0m' : ''}`;
}

/** Cut in the middle when too wide, keeping a question's ending such as "? (y/n/a)" whole. */
export function truncateMiddle(s: string, cols: number): string {
  if (width(s) <= cols) return s;
  const plain = s.replace(SGR, '');
  const tail = /\?? \([^()]*\):?\s*$/.exec(plain)?.[0] ?? '';
  if (!tail || width(tail) + 2 > cols) return truncate(plain, cols);
  return `${truncate(plain.slice(0, plain.length - tail.length), cols - width(tail))}${tail}`;
}

/** One logical line wrapped at word boundaries: the first line `first` columns wide, the others `rest`. A word
 * longer than a line is cut. Colour codes stay where they were. */
function wrapLine(line: string, first: number, rest: number): string[] {
  const out: string[] = [];
  let cur = '';
  let curW = 0;
  let word = '';
  let wordW = 0;
  const cols = () => (out.length ? rest : first);
  const flushWord = () => {
    if (curW + wordW > cols() && curW > 0) {
      out.push(cur.trimEnd());
      cur = '';
      curW = 0;
      word = word.replace(/^ +/, '');
      wordW = width(word);
    }
    while (wordW > cols()) { // a word wider than the line: cut it
      const head = truncateHard(word, cols());
      out.push(head);
      word = word.slice(head.length);
      wordW = width(word);
    }
    cur += word;
    curW += wordW;
    word = '';
    wordW = 0;
  };
  for (const t of tokens(line)) {
    if (t === ' ') { flushWord(); word = ' '; wordW = 1; continue; }
    word += t;
    if (!t.startsWith('\x1b')) wordW++;
  }
  flushWord();
  out.push(cur.trimEnd());
  return out;
}

function truncateHard(s: string, cols: number): string {
  let out = '';
  let n = 0;
  for (const t of tokens(s)) {
    if (!t.startsWith('\x1b')) { if (n === cols) break; n++; }
    out += t;
  }
  return out;
}

/** Text (with newlines) wrapped to `cols`; every line after the very first starts with `indent` (hanging indent). */
export function wrap(text: string, cols: number, indent = ''): string[] {
  const c = Math.max(1, cols);
  const rest = Math.max(1, c - width(indent));
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const atStart = out.length === 0;
    const lines = wrapLine(line, atStart ? c : rest, rest);
    out.push(...lines.map((l, j) => (atStart && j === 0 ? l : indent + l)));
  }
  return out;
}

export interface BoxStyle { border: (s: string) => string }

/**
 * A box as wide as its content (at most `cols`): title, body lines and a footer line, each wrapped inside the
 * borders, so a narrow terminal gets more lines, never a broken border.
 */
export function box(cols: number, title: string, body: string[], footer: string | null, style: BoxStyle): string[] {
  const inner = Math.max(4, Math.min(cols - 4, Math.max(width(title), ...body.map(width), footer ? width(footer) : 0)));
  const b = style.border;
  const row = (s: string) => `${b('│')} ${s}${' '.repeat(Math.max(0, inner - width(s)))} ${b('│')}`;
  const rows = (s: string) => wrap(s, inner).map(row);
  const rule = (l: string, r: string) => b(`${l}${'─'.repeat(inner + 2)}${r}`);
  return [
    rule('┌', '┐'),
    ...rows(title),
    ...(body.length ? [rule('├', '┤'), ...body.flatMap(rows)] : []),
    ...(footer ? [rule('├', '┤'), ...rows(footer)] : []),
    rule('└', '┘'),
  ];
}

/**
 * Segments joined by " · " on one line of at most `cols`: the lowest-priority segments are dropped first (those
 * of priority 5 and up only after every segment with a `short` form has taken it), then the line is cut.
 */
export function fitSegments(segments: Array<{ text: string; priority: number; short?: string }>, cols: number): string {
  const sep = ' · ';
  const kept = segments.filter((s) => s.text).map((s) => ({ ...s }));
  const joined = () => kept.map((s) => s.text).join(sep);
  const dropLowest = (below: number) => {
    const low = kept.reduce<(typeof kept)[number] | null>((a, b) => (b.priority < below && (!a || b.priority < a.priority) ? b : a), null);
    if (low) kept.splice(kept.indexOf(low), 1);
    return Boolean(low);
  };
  while (kept.length > 1 && width(joined()) > cols && dropLowest(5));
  for (const s of [...kept].sort((a, b) => a.priority - b.priority)) if (width(joined()) > cols && s.short !== undefined) s.text = s.short;
  while (kept.length > 1 && width(joined()) > cols && dropLowest(Infinity));
  return truncate(joined(), cols);
}
