// Unified diffs for the write request kind: made from the old and new text (so what the customer reads is
// what is applied), and applied to a file's current text when a requester proposes a diff. Line-based
// Myers diff; past a bound of differences the change is shown as one hunk replacing everything.
type Op = { t: ' ' | '-' | '+'; line: string };

const MAX_D = 4000;

const NONL = '\u0000'; // marks a last line with no newline after it, so it only matches its like

function splitLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split('\n');
  if (lines.at(-1) === '') lines.pop();
  else lines[lines.length - 1] += NONL;
  return lines;
}

function joinLines(lines: string[]): string {
  return lines.map((l) => (l.endsWith(NONL) ? l.slice(0, -1) : l + '\n')).join('');
}

/** Myers' O((N+M)D) shortest edit script over lines. */
function editScript(a: string[], b: string[]): Op[] | null {
  const n = a.length, m = b.length, max = Math.min(n + m, MAX_D);
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[max + k - 1] < v[max + k + 1]) ? v[max + k + 1] : v[max + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v[max + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b, d, max);
    }
  }
  return null;
}

function backtrack(trace: Int32Array[], a: string[], b: string[], dEnd: number, max: number): Op[] {
  const ops: Op[] = [];
  let x = a.length, y = b.length;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && v[max + k - 1] < v[max + k + 1]) ? k + 1 : k - 1;
    const px = v[max + prevK], py = px - prevK;
    while (x > px && y > py) ops.push({ t: ' ', line: a[--x] }), y--;
    if (x === px) ops.push({ t: '+', line: b[--y] });
    else ops.push({ t: '-', line: a[--x] });
  }
  while (x > 0) { ops.push({ t: ' ', line: a[--x] }); y--; }
  return ops.reverse();
}

/** A unified diff of one file (`--- a/path`, `+++ b/path`, hunks with 3 lines of context); '' when equal. */
export function unifiedDiff(path: string, before: string | null, after: string): string {
  const a = splitLines(before ?? ''), b = splitLines(after);
  if (before === after) return '';
  const ops = editScript(a, b) ?? [...a.map((line) => ({ t: '-' as const, line })), ...b.map((line) => ({ t: '+' as const, line }))];
  const out = [`--- ${before === null ? '/dev/null' : `a/${path}`}`, `+++ b/${path}`];
  const CTX = 3;
  let i = 0, ai = 0, bi = 0;
  while (i < ops.length) {
    if (ops[i].t === ' ') { i++; ai++; bi++; continue; }
    const start = Math.max(0, i - CTX);
    let end = i;
    // Extend while changes are within 2*CTX of each other.
    for (let j = i; j < ops.length; j++) {
      if (ops[j].t !== ' ') end = j;
      else if (j - end > 2 * CTX) break;
    }
    const stop = Math.min(ops.length, end + CTX + 1);
    const back = i - start;
    const aStart = ai - back, bStart = bi - back;
    const hunk = ops.slice(start, stop);
    const aLen = hunk.filter((o) => o.t !== '+').length, bLen = hunk.filter((o) => o.t !== '-').length;
    out.push(`@@ -${aLen ? aStart + 1 : aStart},${aLen} +${bLen ? bStart + 1 : bStart},${bLen} @@`);
    for (const o of hunk) {
      if (o.line.endsWith(NONL)) out.push(o.t + o.line.slice(0, -1), '\\ No newline at end of file');
      else out.push(o.t + o.line);
    }
    for (let j = i; j < stop; j++) { if (ops[j].t !== '+') ai++; if (ops[j].t !== '-') bi++; }
    i = stop;
  }
  return out.join('\n') + '\n';
}

export class DiffError extends Error {}

/** Applies a unified diff for one file to `before`; throws DiffError when it does not apply exactly. */
export function applyUnifiedDiff(before: string, diff: string): string {
  const src = splitLines(before);
  const out: string[] = [];
  let at = 0;
  let sawHunk = false;
  const lines = diff.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const h = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(lines[i]);
    if (!h) continue;
    sawHunk = true;
    const aStart = Math.max(0, Number(h[1]) - (h[2] === '0' ? 0 : 1));
    if (aStart < at) throw new DiffError('hunks overlap or are out of order');
    out.push(...src.slice(at, aStart));
    at = aStart;
    for (i++; i < lines.length && !lines[i].startsWith('@@'); i++) {
      const l = lines[i], t = l[0];
      if (t === '\\') continue;
      if (t !== ' ' && t !== '-' && t !== '+') { if (l === '') continue; break; }
      const body = l.slice(1) + (lines[i + 1]?.startsWith('\\') ? NONL : '');
      if (t === '+') { out.push(body); continue; }
      if (src[at] !== body) throw new DiffError(`line ${at + 1} does not match the diff`);
      if (t === ' ') out.push(body);
      at++;
    }
    i--;
  }
  if (!sawHunk) throw new DiffError('no hunk (@@ ... @@) in the diff');
  out.push(...src.slice(at));
  if (out.slice(0, -1).some((l) => l.endsWith(NONL))) throw new DiffError('"No newline at end of file" on a line that is not the last');
  return joinLines(out);
}
