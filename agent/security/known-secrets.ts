// The agent's own credentials (CodeVF access and refresh tokens, proxy passwords), redacted from every output
// and file however they are encoded: raw, hex (either case), base64 and base64url (any alignment), URL-encoded;
// wrapped encodings (`base64` at 76 columns, `xxd -p` at 60) are matched across line breaks.

const values = new Set<string>();
let variants: string[] = [];
let matcher: RegExp | null = null;
let seeds: RegExp | null = null;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
const SEED = 8;

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

/** A variant as a pattern that may be broken by line ends anywhere. */
const wrapped = (s: string) => [...s].map(escapeRe).join('(?:\\r?\\n)?');

/** Adds one of the agent's own secrets (too short to be specific: ignored). */
export function addKnownSecret(value: string | null | undefined): void {
  if (!value || value.length < 12 || values.has(value)) return;
  values.add(value);
  variants = [...values].flatMap(variantsOf).sort((a, b) => b.length - a.length);
  matcher = new RegExp(variants.map(wrapped).join('|'), 'g');
  // Any match holds one of these unbroken (lines of 16+ characters break at most one of two neighbours).
  seeds = new RegExp([...new Set(variants.flatMap((v) => [v.slice(0, SEED), v.slice(SEED, 2 * SEED), v.slice(2 * SEED, 3 * SEED)]))]
    .filter((s) => s.length === SEED).map(escapeRe).join('|'));
}

/** Forgets every known secret (tests). */
export function clearKnownSecrets(): void {
  values.clear();
  variants = [];
  matcher = null;
  seeds = null;
}

/** Where the agent's own secrets are in `text`, in any of their encodings. */
export function findKnownSecrets(text: string): Array<{ start: number; end: number }> {
  if (!matcher || !seeds || !seeds.test(text)) return [];
  const out: Array<{ start: number; end: number }> = [];
  matcher.lastIndex = 0;
  for (let m = matcher.exec(text); m; m = matcher.exec(text)) out.push({ start: m.index, end: m.index + m[0].length });
  return out;
}
