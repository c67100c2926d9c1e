// A tagged template that escapes every interpolated value unless it is already `Html`, so a page can
// only contain markup that was written in a template literal here, never markup from data.
export class Html {
  constructor(readonly text: string) {}
  toString(): string { return this.text; }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ENTITIES[c]);
}

type Part = Html | string | number | boolean | null | undefined | Part[];

function render(v: Part): string {
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return esc(v);
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  values.forEach((v, i) => { out += render(v) + strings[i + 1]; });
  return new Html(out);
}

/** Local time in UTC, readable; `never` for missing. */
export function when(isoTime: string | null | undefined, none = 'never'): string {
  return isoTime ? isoTime.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : none;
}
