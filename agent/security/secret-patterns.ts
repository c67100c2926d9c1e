// Secret patterns of security.md section 5 (from gitleaks' config/gitleaks.toml, MIT), and how to find them.
// `group` masks only that capture group (URL passwords, header credentials, assignment values).
import { findKnownSecrets } from './known-secrets.js';

export interface SecretPattern {
  kind: string;
  re: RegExp;
  /** Literals one of which every match contains: a fast indexOf skips the regex on ordinary text. */
  anchors?: string[];
  /** For a pattern without anchors: characters one of which every match contains (a separator). Text that
   *  holds none of them skips the regex (a search for one character costs far less than a regex pass). */
  oneOf?: string;
  group?: number;
  /** Shannon entropy (bits per char) the masked value must reach. */
  minEntropy?: number;
}

export interface SecretMatch {
  start: number;
  end: number;
  kind: string;
}

const KEY_BEGIN = String.raw`-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----`;
const KEY_END = String.raw`-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----`;
export const KEY_BEGIN_RE = new RegExp(KEY_BEGIN, 'g');
export const KEY_END_RE = new RegExp(KEY_END, 'g');
/** Longest END marker, for the tail kept while skipping a key block that spans chunks. */
export const KEY_END_MAX = 140;

/** Specific token formats: tried first, and win over the generic patterns below. */
const SPECIFIC: SecretPattern[] = [
  { kind: 'private_key', anchors: ['-----BEGIN'], re: new RegExp(`${KEY_BEGIN}[\\s\\S]*?${KEY_END}`, 'g') },
  { kind: 'aws_access_key', anchors: ['A3T', 'AKIA', 'ASIA', 'ABIA', 'ACCA'], re: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/g },
  { kind: 'github_token', anchors: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'], re: /gh[pousr]_[0-9a-zA-Z]{36}|github_pat_\w{82}/g },
  { kind: 'gitlab_token', anchors: ['glpat-'], re: /glpat-[\w-]{20}/g },
  { kind: 'slack_token', anchors: ['xox', 'xapp-'], re: /xox[baprse]-[0-9A-Za-z-]{10,}|xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+/g },
  { kind: 'slack_webhook', anchors: ['hooks.slack.com/'], re: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{20,}/g },
  { kind: 'jwt', anchors: ['.ey'], re: /\bey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9/\\_-]{17,}\.[a-zA-Z0-9/\\_-]{10,}={0,2}/g },
  { kind: 'stripe_key', anchors: ['sk_', 'rk_'], re: /\b(?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99}/g },
  { kind: 'anthropic_key', anchors: ['sk-ant-'], re: /sk-ant-api03-[a-zA-Z0-9_-]{93}AA/g },
  { kind: 'openai_key', anchors: ['sk-'], re: /sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]+/g },
  { kind: 'npm_token', anchors: ['npm_'], re: /npm_[a-zA-Z0-9]{36}/g },
  { kind: 'pypi_token', anchors: ['pypi-'], re: /pypi-AgEIcHlwaS5vcmc[\w-]{50,}/g },
  { kind: 'google_api_key', anchors: ['AIza'], re: /AIza[\w-]{35}/g },
  { kind: 'sendgrid_key', anchors: ['SG.'], re: /SG\.[\w=.-]{66}/g },
  { kind: 'huggingface_token', anchors: ['hf_'], re: /hf_[a-zA-Z]{34}/g },
  { kind: 'digitalocean_token', anchors: ['dop_v1_'], re: /dop_v1_[a-f0-9]{64}/g },
  { kind: 'codevf_token', anchors: ['cvf_'], re: /cvf_[A-Za-z0-9_-]{20,}/g },
];

/** Generic shapes: only where no specific pattern already matched. */
const GENERIC: SecretPattern[] = [
  { kind: 'url_password', anchors: ['://'], re: /:\/\/(?<=[a-z0-9+.-]:\/\/)[^/\s:@]+:([^@\s/]+)@/dgi, group: 1 },
  { kind: 'authorization', oneOf: ':', re: /authorization:\s*(?:bearer|basic|token)\s+(\S+)/dgi, group: 1 },
  {
    kind: 'secret_assignment',
    oneOf: ':=',
    re: /(?:api[_-]?key|secret|token|passw(?:or)?d|credential)[\w.-]{0,20}?['"]?\s*(?:=>|:=|[:=])\s*['"]?([^\s'"]{8,})/dgi,
    group: 1,
    minEntropy: 3.5,
  },
];

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  const n = [...s].length;
  for (const c of counts.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
const ANCHORED = [...SPECIFIC, ...GENERIC].filter((p) => p.anchors);
const ALL_ANCHORS = [...new Set(ANCHORED.flatMap((p) => p.anchors!))].sort((a, b) => b.length - a.length);
// One pass over the text finds which anchored patterns can match at all (ordinary output: none).
const ANCHOR_RE = new RegExp(ALL_ANCHORS.map(escapeRe).join('|'), 'g');

// Which patterns a hit may start: the alternation above matches one anchor exactly, the longest first, so
// a hit also stands for the anchors it starts with or that start with it ('sk-ant-' and 'sk-').
const BY_ANCHOR = new Map(ALL_ANCHORS.map((hit) => [hit,
  ANCHORED.filter((p) => p.anchors!.some((a) => a.startsWith(hit) || hit.startsWith(a)))]));
const UNANCHORED = [...SPECIFIC, ...GENERIC].filter((p) => !p.anchors);

const holdsOneOf = (text: string, chars: string) => [...chars].some((c) => text.includes(c));

const LETTERS_RAREST_FIRST = 'zqxjkvbpygfwmucldrhsnioate';
/**
 * A few characters one of which every anchor holds, chosen greedily (most anchors covered, punctuation before
 * capitals before digits before small letters): text holding none of them, such as plain words and numbers,
 * cannot match any anchored pattern, and a search for one character is far cheaper than the regex pass.
 */
function coverOf(anchors: string[]): string {
  const cost = (c: string) => (/[a-z]/.test(c) ? 8 : /[0-9]/.test(c) ? 4 : /[A-Z]/.test(c) ? 2 : 1);
  const rarity = (c: string) => LETTERS_RAREST_FIRST.indexOf(c.toLowerCase());
  let left = anchors;
  let chars = '';
  while (left.length) {
    const counts = new Map<string, number>();
    for (const a of left) for (const c of new Set(a)) counts.set(c, (counts.get(c) ?? 0) + 1);
    const [best] = [...counts].sort(([a, x], [b, y]) => y / cost(b) - x / cost(a) || rarity(a) - rarity(b) || (a < b ? -1 : 1))[0];
    chars += best;
    left = left.filter((a) => !a.includes(best));
  }
  return chars;
}
const ANCHOR_CHARS = coverOf(ALL_ANCHORS);

function patternsToTry(text: string): Set<SecretPattern> {
  const live = new Set<SecretPattern>(UNANCHORED.filter((p) => p.oneOf === undefined || holdsOneOf(text, p.oneOf)));
  if (!holdsOneOf(text, ANCHOR_CHARS)) return live;
  const all = SPECIFIC.length + GENERIC.length;
  ANCHOR_RE.lastIndex = 0;
  for (let m = ANCHOR_RE.exec(text); m && live.size < all; m = ANCHOR_RE.exec(text)) {
    for (const p of BY_ANCHOR.get(m[0])!) live.add(p);
  }
  return live;
}

function collect(text: string, p: SecretPattern, out: SecretMatch[]): void {
  p.re.lastIndex = 0;
  for (let m = p.re.exec(text); m; m = p.re.exec(text)) {
    if (m[0].length === 0) { p.re.lastIndex++; continue; }
    let [start, end] = [m.index, m.index + m[0].length];
    if (p.group !== undefined) [start, end] = m.indices![p.group]!;
    if (p.minEntropy !== undefined && shannonEntropy(text.slice(start, end)) < p.minEntropy) continue;
    out.push({ start, end, kind: p.kind });
  }
}

function overlapsAny(sorted: SecretMatch[], m: SecretMatch): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) { // first accepted match ending after m.start
    const mid = (lo + hi) >> 1;
    if (sorted[mid].end <= m.start) lo = mid + 1; else hi = mid;
  }
  return lo < sorted.length && sorted[lo].start < m.end;
}

function dropOverlaps(found: SecretMatch[], accepted: SecretMatch[]): SecretMatch[] {
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  for (const m of found) if (!overlapsAny(accepted, m)) insertSorted(accepted, m);
  return accepted;
}

function insertSorted(list: SecretMatch[], m: SecretMatch): void {
  let i = list.length;
  while (i > 0 && list[i - 1].start > m.start) i--;
  list.splice(i, 0, m);
}

// A 40-character AWS secret access key has no marker of its own: it is caught beside a key id, keyword or not.
const AWS_SECRET_RE = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
const AWS_NEAR = 200;

function awsSecrets(text: string, found: SecretMatch[]): SecretMatch[] {
  const out: SecretMatch[] = [];
  for (const k of found) {
    if (k.kind !== 'aws_access_key') continue;
    const from = Math.max(0, k.start - AWS_NEAR);
    const window = text.slice(from, Math.min(text.length, k.end + AWS_NEAR));
    AWS_SECRET_RE.lastIndex = 0;
    for (let m = AWS_SECRET_RE.exec(window); m; m = AWS_SECRET_RE.exec(window)) {
      if (shannonEntropy(m[0]) >= 3.5) out.push({ start: from + m.index, end: from + m.index + 40, kind: 'aws_secret_key' });
    }
  }
  return out;
}

/** `more` added to `accepted` (both sorted) where they overlap nothing already there. */
export const mergeMatches = (accepted: SecretMatch[], more: SecretMatch[]): SecretMatch[] => dropOverlaps([...more], accepted);

const AWS_KEY = SPECIFIC.find((p) => p.kind === 'aws_access_key')!;
/** Text a stream keeps of what it sent, for a key id there whose secret comes in the next chunk. */
export const AWS_CONTEXT = AWS_NEAR + 20;

/** In a stream: AWS secrets in `text` that belong to a key id at the end of `sent` (the text already sent). */
export function awsSecretsAfter(sent: string, text: string): SecretMatch[] {
  if (!/A3T|AKIA|ASIA|ABIA|ACCA/.test(sent)) return [];
  const joined = sent + text.slice(0, AWS_NEAR + 40);
  const keys: SecretMatch[] = [];
  collect(joined, AWS_KEY, keys);
  return awsSecrets(joined, keys.filter((k) => k.start < sent.length)).filter((m) => m.start >= sent.length)
    .map((m) => ({ ...m, start: m.start - sent.length, end: m.end - sent.length }));
}

/** In a stream: where an AWS-secret-shaped run starts near enough to the end of `text` that a key id in the
 *  next chunk would make it a secret (`text.length`: nowhere). */
export function awsHoldFrom(text: string): number {
  const from = Math.max(0, text.length - AWS_NEAR - 40);
  const tail = text.slice(from);
  AWS_SECRET_RE.lastIndex = 0;
  for (let m = AWS_SECRET_RE.exec(tail); m; m = AWS_SECRET_RE.exec(tail)) if (shannonEntropy(m[0]) >= 3.5) return from + m.index;
  return text.length;
}

/**
 * Every secret in `text`, non-overlapping, sorted by position. The agent's own credentials come first
 * (`knownAt`: where they are, when the caller searched already, as a stream does across its chunks).
 */
export function findSecrets(text: string, knownAt = findKnownSecrets(text)): SecretMatch[] {
  const live = patternsToTry(text);
  const own = knownAt.map((m) => ({ ...m, kind: 'codevf_credential' }));
  const specific: SecretMatch[] = [];
  for (const p of SPECIFIC) if (live.has(p)) collect(text, p, specific);
  specific.push(...awsSecrets(text, specific));
  const accepted = dropOverlaps(specific, dropOverlaps(own, []));
  const generic: SecretMatch[] = [];
  for (const p of GENERIC) if (live.has(p)) collect(text, p, generic);
  return dropOverlaps(generic, accepted);
}
