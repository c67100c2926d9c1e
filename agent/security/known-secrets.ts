// The agent's own credentials (CodeVF access and refresh tokens, proxy passwords), redacted from every output
// and file however they are encoded: raw, hex (either case), base64 and base64url (any alignment), URL-encoded;
// wrapped encodings (`base64` at 76 columns, `xxd -p` at 60) are matched across line breaks. Text that arrives
// in chunks (command output, large snapshot entries) is searched with `knownSecretsInStream`, which also finds an
// encoding split across chunks: a possible beginning at the end of a chunk is held back, and one whose first few
// characters already left (too short to hold without stalling ordinary output) is masked from where it continues.

const values = new Set<string>();
let variants: string[] = [];
let matcher: RegExp | null = null;
/** Prefilter: any match holds one of these seeds unbroken (see `seedsOf`). */
let seeds: RegExp[] = [];
/** Variants by their first character, for the search of a beginning at the end of a chunk. */
let byFirst = new Map<string, string[]>();
/** Longest text one match can span: every character of the longest variant followed by `\r\n`. */
let span = 0;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
const SEED = 8;
const SEEDS_PER_EXPRESSION = 3;

/** Base64 of `v` from byte `k` on, whole 3-byte groups only: what appears verbatim wherever `v` sits in a stream. */
function base64Cores(v: Buffer): string[] {
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const n = Math.floor((v.length - k) / 3) * 3;
    if (n >= 9) out.push(v.subarray(k, k + n).toString('base64'));
  }
  return out;
}

function variantsOf(value: string): string[] {
  const b = Buffer.from(value, 'utf8');
  const b64 = base64Cores(b);
  const hex = b.toString('hex');
  const all = [value, encodeURIComponent(value), hex, hex.toUpperCase(), ...b64,
    ...b64.map((s) => s.replace(/\+/g, '-').replace(/\//g, '_'))];
  return [...new Set(all)].filter((s) => s.length >= 12);
}

/**
 * The prefilter for one secret's variants: a match holds its variant's first or second 8-character slice
 * unbroken (lines of 16+ characters break at most one of two neighbours). The slices go in expressions of
 * SEEDS_PER_EXPRESSION alternatives each: irregexp skips ahead only over characters that no alternative may
 * hold at a position, so one expression of all 12 slices skipped little, and how little depended on the
 * token's random characters. Over 25 MB of build output, for 24 random tokens: 12 per expression took 16-22 ms
 * (median; up to 107), 3 per expression 9-18 ms (up to 58); 2, 4 and 6 did no better than 3.
 */
function seedsOf(value: string): RegExp[] {
  const slices = [...new Set(variantsOf(value).flatMap((v) => [v.slice(0, SEED), v.slice(SEED, 2 * SEED)]).filter((x) => x.length === SEED))];
  const out: RegExp[] = [];
  for (let i = 0; i < slices.length; i += SEEDS_PER_EXPRESSION) out.push(new RegExp(slices.slice(i, i + SEEDS_PER_EXPRESSION).map(escapeRe).join('|')));
  return out;
}

/** A variant as a pattern that may be broken by line ends anywhere. */
const wrapped = (s: string) => [...s].map(escapeRe).join('(?:\\r?\\n)?');

/** Adds one of the agent's own secrets (too short to be specific: ignored). */
export function addKnownSecret(value: string | null | undefined): void {
  if (!value || value.length < 12 || values.has(value)) return;
  values.add(value);
  variants = [...values].flatMap(variantsOf).sort((a, b) => b.length - a.length);
  matcher = new RegExp(variants.map(wrapped).join('|'), 'g');
  seeds = [...values].flatMap(seedsOf);
  byFirst = new Map();
  for (const v of variants) byFirst.set(v[0], [...(byFirst.get(v[0]) ?? []), v]);
  span = 3 * variants[0].length;
}

/** Forgets every known secret (tests). */
export function clearKnownSecrets(): void {
  values.clear();
  variants = [];
  matcher = null;
  seeds = [];
  byFirst = new Map();
  span = 0;
}

/** Where the agent's own secrets are in `text`, in any of their encodings. */
export function findKnownSecrets(text: string): Array<{ start: number; end: number }> {
  if (!matcher || !seeds.some((re) => re.test(text))) return [];
  const out: Array<{ start: number; end: number }> = [];
  matcher.lastIndex = 0;
  for (let m = matcher.exec(text); m; m = matcher.exec(text)) out.push({ start: m.index, end: m.index + m[0].length });
  return out;
}

/** Whether `text[from, end)`, line breaks left out, is the beginning (at least `min` characters) of a variant. */
function beginsVariant(text: string, from: number, min: number): boolean {
  for (const v of byFirst.get(text[from]) ?? []) {
    let j = 0;
    let i = from;
    for (; i < text.length && j < v.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && (i + 1 === text.length || text.charCodeAt(i + 1) === 10))) continue; // (\r?\n)
      if (c !== v.charCodeAt(j)) break;
      j++;
    }
    if (i === text.length && j >= min && j < v.length) return true;
  }
  return false;
}

export interface StreamSecrets {
  /** The secrets in `text`, including the rest of one that began in `sent`. */
  matches: Array<{ start: number; end: number }>;
  /** Where in `text` a secret may begin that the next chunk would complete (`text.length`: nowhere). */
  holdFrom: number;
}

/** How much of the text already sent `knownSecretsInStream` needs to see (see `StreamSecrets`). */
export const knownSecretSpan = (): number => span;

/**
 * The agent's own secrets in `text`, the next chunk of a stream whose previous text (the last
 * `knownSecretSpan()` characters of it) was `sent`. A beginning of at least `minHold` characters at the end of
 * `text` is reported in `holdFrom`; a shorter one may have been sent, and its rest is masked in the next chunk.
 */
export function knownSecretsInStream(sent: string, text: string, minHold: number): StreamSecrets {
  if (!matcher) return { matches: [], holdFrom: text.length };
  const matches = findKnownSecrets(text);
  if (sent) { // one that began in what was sent
    const seam = sent + text.slice(0, span);
    for (const m of findKnownSecrets(seam)) {
      if (m.start < sent.length && m.end > sent.length) { matches.unshift({ start: 0, end: m.end - sent.length }); break; }
    }
  }
  const tail = text.length >= span ? text.slice(-span) : sent.slice(-(span - text.length)) + text;
  const offset = text.length - tail.length;
  for (let i = 0; i < tail.length; i++) {
    if (beginsVariant(tail, i, minHold)) return { matches, holdFrom: Math.max(0, offset + i) };
  }
  return { matches, holdFrom: text.length };
}
