// Remote text (the engineer's, the backend's, a command's output) made safe to print on a terminal
// (security.md section 7). Pure: no I/O, so the agent, every front end and the tests share one rule.
// Every control is shown as a visible escape instead of being dropped, so an attempt stays visible; without
// its ESC (or 8-bit C1 introducer) no CSI, OSC, DCS, APC, PM or SOS sequence can take effect.

// C0 except \t and \n, DEL, C1 (U+0080-U+009F, the decoded 8-bit CSI/OSC/DCS...), soft hyphen, Arabic letter
// mark, Mongolian vowel separator, zero-width and directional marks, line/paragraph separators, bidi embeddings,
// overrides and isolates, word joiner and invisible operators, BOM/ZWNBSP, interlinear annotations, and the
// invisible tag characters U+E0000-U+E007F (a surrogate pair). Lone surrogates are escaped too.
const UNSAFE_CHARS = '\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\xad\\u061c\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\ufeff\\ufff9-\\ufffb';
const UNSAFE = `[${UNSAFE_CHARS}]`
  + '|\\udb40[\\udc00-\\udc7f]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
const UNSAFE_RE = new RegExp(UNSAFE, 'g');
// For command output: a CRLF ends a line like LF; an SGR sequence is a candidate for the colour whitelist.
const OUTPUT_RE = new RegExp(`\\x1b\\[[0-9;]{0,48}m|\\r\\n|${UNSAFE}`, 'g');
// Whether text may need any change: one character class, a superset of every character the patterns above
// start a match with (\r is in \x0b-\x1f; every surrogate, paired or not). A single class is scanned several
// times faster than the alternation with its look-arounds, and most text (plain output) has none of these.
const MAYBE_UNSAFE = new RegExp(`[${UNSAFE_CHARS}\\ud800-\\udfff]`);

// Combining marks stacked on one letter ("Zalgo" text) are drawn above and below its cell, over the lines
// around it in many terminals: from the third mark in a row on, each is shown as an escape.
const MARKS = '[\\u0300-\\u036f\\u1ab0-\\u1aff\\u1dc0-\\u1dff\\u20d0-\\u20ff\\ufe20-\\ufe2f]';
const MARK_RUN_TEST = new RegExp(`${MARKS}{3}`);
const MARK_RUN_RE = new RegExp(`(${MARKS}{2})(${MARKS}+)`, 'g');

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** One character (or surrogate pair) as a visible escape: `\x1b`, `\u202e`, `\u{e0001}`. */
function shown(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (cp <= 0xff) return `\\x${hex(cp, 2)}`;
  if (cp <= 0xffff) return `\\u${hex(cp, 4)}`;
  return `\\u{${cp.toString(16)}}`;
}

/** Remote text with every control, escape introducer, bidi and invisible character shown visibly, and
 *  combining marks past the second on one letter too.
 *  Keeps `\n` and `\t`; `\r` is a control. The result cannot move the cursor, erase, set a title,
 *  touch the clipboard, draw a hyperlink or reorder what is shown. */
export function neutralize(text: string): string {
  const out = MAYBE_UNSAFE.test(text) ? text.replace(UNSAFE_RE, shown) : text;
  return MARK_RUN_TEST.test(out) ? out.replace(MARK_RUN_RE, (_, kept: string, rest: string) => kept + [...rest].map(shown).join('')) : out;
}

/** Neutralised, on one line: `\n` and `\t` are shown as escapes too (for names, titles, paths, URLs). */
export function neutralizeLine(text: string): string {
  return neutralize(text).replace(/[\n\t]/g, shown);
}

const SGR_SINGLE = new Set([0, 1, 2, 3, 4, 7, 9, 21, 22, 23, 24, 27, 29, 39, 49]);
const isColour = (n: number) => (n >= 30 && n <= 37) || (n >= 40 && n <= 47) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107);
const byte = (s: string | undefined) => s !== undefined && /^\d{1,3}$/.test(s) && Number(s) <= 255;

// Coloured output repeats a handful of sequences: each parameter list is parsed once.
const SGR_SEEN = new Map<string, string | null>();

function sgr(params: string): string | null {
  let out = SGR_SEEN.get(params);
  if (out === undefined) {
    out = parseSgr(params);
    if (SGR_SEEN.size < 512) SGR_SEEN.set(params, out);
  }
  return out;
}

/** An SGR parameter list re-emitted if every code is a whitelisted colour or weight, else null.
 *  Concealed text (8), blink (5, 6) and anything unknown are refused. */
function parseSgr(params: string): string | null {
  const p = params === '' ? ['0'] : params.split(';');
  const out: number[] = [];
  for (let i = 0; i < p.length; i++) {
    if (!/^\d{1,3}$/.test(p[i] === '' ? '0' : p[i])) return null;
    const n = Number(p[i] === '' ? '0' : p[i]);
    if (SGR_SINGLE.has(n) || isColour(n)) { out.push(n); continue; }
    if (n !== 38 && n !== 48) return null;
    if (p[i + 1] === '5' && byte(p[i + 2])) { out.push(n, 5, Number(p[i + 2])); i += 2; continue; }
    if (p[i + 1] === '2' && byte(p[i + 2]) && byte(p[i + 3]) && byte(p[i + 4])) {
      out.push(n, 2, Number(p[i + 2]), Number(p[i + 3]), Number(p[i + 4])); i += 4; continue;
    }
    return null;
  }
  return `\x1b[${out.join(';')}m`;
}

/** Command output for a terminal: like `neutralize`, but SGR colour sequences from a whitelist are parsed
 *  and re-emitted (never passed through), and CRLF is a line end. Text that used colour ends with a reset
 *  (`\x1b[0m`) so nothing bleeds into what the product prints next. */
export function neutralizeOutput(text: string): string {
  if (!MAYBE_UNSAFE.test(text)) return text;
  let coloured = false;
  const out = text.replace(OUTPUT_RE, (m) => {
    if (m === '\r\n') return '\n';
    if (m.length > 2 && m.charCodeAt(0) === 0x1b) {
      const kept = sgr(m.slice(2, -1));
      if (kept === null) return shown('\x1b') + m.slice(1);
      coloured = true;
      return kept;
    }
    return shown(m);
  });
  return coloured ? `${out}\x1b[0m` : out;
}

/** Remote text as attributed lines: each line neutralised and prefixed, so a multi-line message cannot draw
 *  a line that looks like the product's own. `output` keeps whitelisted colours, reset on every line. */
export function attributedLines(prefix: string, text: string, opts: { output?: boolean } = {}): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => prefix + (opts.output ? neutralizeOutput(l) : neutralize(l)));
}

/** Command output as plain text (for an editor, where colours mean nothing): whitelisted colours dropped,
 *  everything else neutralised as in `neutralizeOutput`. */
export function plainOutput(text: string): string {
  const out = neutralizeOutput(text);
  return out.includes('\x1b') ? out.replace(/\x1b\[[0-9;]*m/g, '') : out;
}

const codePoint = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * The characters of `text` that are not plain ASCII, each shown with its code point (`і U+0456`), or null when
 * there are none: a look-alike letter (Cyrillic `і` for Latin `i`) makes a command or a host read as another.
 */
export function nonAsciiCharacters(text: string, max = 6): string | null {
  const seen = [...new Set(text.match(/[^\x20-\x7e\t\n]/gu) ?? [])];
  if (!seen.length) return null;
  const listed = seen.slice(0, max).map((ch) => `${neutralizeLine(ch)} ${codePoint(ch)}`).join(', ');
  return seen.length > max ? `${listed} and ${seen.length - max} more` : listed;
}

/**
 * Where a link really goes: its host as a browser reads it (a name with non-ASCII letters as its `xn--` form),
 * and what about it may mislead (a user name before `@` that reads like a site, a look-alike name).
 */
export function linkTarget(url: string): { host: string; warnings: string[] } {
  let u: URL;
  try { u = new URL(url); } catch { return { host: '(not a valid link)', warnings: ['this is not a valid link'] }; }
  const warnings: string[] = [];
  if (u.username || u.password) warnings.push('the part before "@" is a user name, not the site it opens');
  if (u.hostname.split('.').some((label) => label.startsWith('xn--'))) {
    warnings.push('the site\'s name has non-ASCII letters (shown as xn--...), which can imitate another site');
  }
  return { host: neutralizeLine(u.host), warnings };
}
