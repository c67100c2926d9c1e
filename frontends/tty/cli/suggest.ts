// "Did you mean ...?": the closest known name within a couple of typos (Damerau-Levenshtein, like gh's).

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The names closest to `typed` (at most 2 edits, or a prefix of at least 3 letters), best first. */
export function suggest(typed: string, names: string[]): string[] {
  const t = typed.toLowerCase();
  return names
    .map((n) => ({ n, d: t.length >= 3 && n.startsWith(t) ? 0.5 : distance(t, n) }))
    .filter((x) => x.d <= 2)
    .sort((x, y) => x.d - y.d)
    .map((x) => x.n);
}

export function didYouMean(typed: string, names: string[], prefix = 'codevf '): string {
  const best = suggest(typed, names);
  return best.length ? `\n\nDid you mean this?\n${best.slice(0, 3).map((n) => `  ${prefix}${n}`).join('\n')}` : '';
}
