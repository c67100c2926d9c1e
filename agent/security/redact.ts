// Masks secrets as `[REDACTED:<kind>]` before text leaves the machine (security.md section 5).
// `redact` works on a whole text; `StreamRedactor` on command output that arrives in chunks.
import { StringDecoder } from 'node:string_decoder';
import { knownSecretSpan, knownSecretsInStream } from './known-secrets.js';
import { AWS_CONTEXT, awsHoldFrom, awsSecretsAfter, findSecrets, mergeMatches, KEY_BEGIN_RE, KEY_END_MAX, KEY_END_RE, type SecretMatch } from './secret-patterns.js';

export interface RedactResult {
  text: string;
  count: number;
  /** Distinct kinds found, sorted. */
  kinds: string[];
}

const mask = (kind: string) => `[REDACTED:${kind}]`;

/** Writes `text[from, to)` with `matches` (all inside it) masked, counting them in `seen`. */
function applyMatches(text: string, from: number, to: number, matches: SecretMatch[], out: string[], seen: Map<string, number>): void {
  let at = from;
  for (const m of matches) {
    out.push(text.slice(at, m.start), mask(m.kind));
    seen.set(m.kind, (seen.get(m.kind) ?? 0) + 1);
    at = m.end;
  }
  out.push(text.slice(at, to));
}

function summary(seen: Map<string, number>): { count: number; kinds: string[] } {
  let count = 0;
  for (const n of seen.values()) count += n;
  return { count, kinds: [...seen.keys()].sort() };
}

/** Index of an unterminated private-key BEGIN marker (no END after it), or -1. */
function unterminatedKeyAt(text: string, from: number): number {
  if (!text.includes('-----BEGIN', from)) return -1; // a plain search is ~10x faster than the regex on ordinary text
  KEY_BEGIN_RE.lastIndex = from;
  let last = -1;
  for (let m = KEY_BEGIN_RE.exec(text); m; m = KEY_BEGIN_RE.exec(text)) last = m.index;
  if (last < 0) return -1;
  KEY_END_RE.lastIndex = last;
  return KEY_END_RE.exec(text) ? -1 : last;
}

/** Masks every secret in a whole text. A key block with no END is masked to the end of the text. */
export function redact(text: string): RedactResult {
  const seen = new Map<string, number>();
  const out: string[] = [];
  const open = unterminatedKeyAt(text, 0);
  const body = open < 0 ? text : text.slice(0, open);
  applyMatches(body, 0, body.length, findSecrets(body), out, seen);
  if (open >= 0) {
    out.push(mask('private_key'));
    seen.set('private_key', (seen.get('private_key') ?? 0) + 1);
  }
  return { text: out.join(''), ...summary(seen) };
}

export interface StreamRedactorOptions {
  /** Longest partial line held back waiting for more (chars). Secrets are shorter than this. */
  maxHold?: number;
}

/**
 * A possible beginning of one of the agent's own secrets at the end of a chunk is held back from this many
 * characters on; a shorter one goes out (so that ordinary output is not stalled by chance) and the rest of
 * the secret, if it follows, is masked: at most this many characters less one of an encoding leave.
 */
const KNOWN_MIN_HOLD = 4;

/**
 * Redacts text that arrives in chunks without missing a secret split across chunks: complete lines go
 * out at once, the partial last line (at most `maxHold` chars, plus any match crossing that point) waits
 * for the next chunk. A private key block longer than that is dropped as it streams. Memory is bounded.
 */
export class StreamRedactor {
  private carry = '';
  /** The end of the text already sent (raw): one of the agent's own secrets or an AWS key id may be there. */
  private sent = '';
  private inKey = false;
  private swallowRun = false;
  private readonly decoder = new StringDecoder('utf8');
  private readonly seen = new Map<string, number>();
  private readonly maxHold: number;

  constructor(opts: StreamRedactorOptions = {}) {
    this.maxHold = opts.maxHold ?? 4096;
  }

  /** Feeds a chunk; returns the redacted text that may be sent now (possibly ''). */
  push(chunk: Buffer | string): string {
    const s = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    return this.process(this.carry + s, false);
  }

  /** Ends the stream (or an idle pause): returns everything still held, redacted. */
  flush(): string {
    return this.process(this.carry + this.decoder.end(), true);
  }

  get count(): number {
    let n = 0;
    for (const c of this.seen.values()) n += c;
    return n;
  }
  get kinds(): string[] { return summary(this.seen).kinds; }

  private process(text: string, final: boolean): string {
    this.carry = '';
    const out: string[] = [];
    if (this.swallowRun) text = this.dropTokenRest(text);
    if (this.inKey) text = this.skipKey(text, final);
    while (text.length > 0 && !this.inKey) {
      const rest = this.emitSafe(text, final, out);
      if (rest === null) break;
      text = this.skipKey(rest, final);
    }
    return out.join('');
  }

  /** Emits what is safe from `text`; returns the text after an unterminated key BEGIN, or null when done. */
  private emitSafe(text: string, final: boolean, out: string[]): string | null {
    const open = unterminatedKeyAt(text, 0);
    const scan = open < 0 ? text : text.slice(0, open);
    const known = knownSecretsInStream(this.sent, scan, KNOWN_MIN_HOLD);
    // An AWS secret beside its key id may have the key id in the last chunk, or in the next one.
    const matches = mergeMatches(findSecrets(scan, known.matches), awsSecretsAfter(this.sent, scan));
    let cut = final || open >= 0 ? scan.length : Math.min(this.lineCut(scan), known.holdFrom, awsHoldFrom(scan));
    let forced = false;
    for (const m of matches) {
      if (m.start < cut && m.end > cut) { // crosses the cut: wait for the rest, unless it is huge
        if (scan.length - m.start <= this.maxHold * 16) cut = m.start; else { cut = m.end; forced = m.end === scan.length; }
        break;
      }
    }
    applyMatches(scan, 0, cut, matches.filter((m) => m.end <= cut), out, this.seen);
    this.remember(scan, cut);
    this.swallowRun = forced;
    if (open < 0) { this.carry = scan.slice(cut); return null; }
    out.push(mask('private_key'));
    this.seen.set('private_key', (this.seen.get('private_key') ?? 0) + 1);
    this.inKey = true;
    return text.slice(open);
  }

  /** Keeps the end of what was sent, `scan[0, cut)`, for a secret that may continue in the next chunk. */
  private remember(scan: string, cut: number): void {
    const keep = Math.max(knownSecretSpan(), AWS_CONTEXT);
    this.sent = cut >= keep ? scan.slice(cut - keep, cut) : (this.sent + scan.slice(0, cut)).slice(-keep);
  }

  /** Where to stop emitting: after the last newline, or `maxHold` chars before the end of a long line. */
  private lineCut(text: string): number {
    const nl = text.lastIndexOf('\n') + 1;
    return Math.max(nl, text.length - this.maxHold);
  }

  /** Inside a key block: drops text up to the END marker, keeping a tail where a split marker may hide. */
  private skipKey(text: string, final: boolean): string {
    if (!this.inKey) return text;
    KEY_END_RE.lastIndex = 0;
    const m = KEY_END_RE.exec(text);
    if (m) { this.inKey = false; return text.slice(m.index + m[0].length); }
    if (!final) this.carry = text.slice(-KEY_END_MAX);
    return '';
  }

  /** After a forced huge match ended a chunk, the token's remaining characters are still secret. */
  private dropTokenRest(text: string): string {
    const m = /^[^\s'"@/]*/.exec(text)!;
    if (m[0].length < text.length) this.swallowRun = false;
    return text.slice(m[0].length);
  }
}
