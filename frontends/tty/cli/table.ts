// Plain aligned columns (colour codes do not count towards the width). With `max`, the columns named in
// `shrink` are cut (ending in "…") until a line fits.
const ANSI = /\x1b\[[0-9;]*m/g;
const width = (s: string) => s.replace(ANSI, '').length;
const GAP = 2;

function cut(s: string, w: number): string {
  return width(s) <= w ? s : `${s.replace(ANSI, '').slice(0, Math.max(0, w - 1))}…`;
}

export function table(head: string[], rows: string[][], fit: { max: number; shrink: number[] } = { max: Infinity, shrink: [] }): string {
  const widths = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1);
  while (total() > fit.max) {
    const i = fit.shrink.reduce((best, j) => (widths[j] > widths[best] ? j : best), fit.shrink[0] ?? -1);
    if (i < 0 || widths[i] <= Math.max(4, width(head[i]))) break;
    widths[i]--;
  }
  const line = (cells: string[]) => cells.map((c, i) => {
    const s = fit.shrink.includes(i) ? cut(c, widths[i]) : c;
    return i === cells.length - 1 ? s : s + ' '.repeat(Math.max(0, widths[i] - width(s)));
  }).join(' '.repeat(GAP));
  return [line(head), ...rows.map(line)].join('\n');
}
