// agent/session/ has no import cycle (type-only imports included): kind modules take narrow dependencies,
// never the Session, so the lifecycle, the kinds and the session can each be read and tested on their own.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = resolve('agent/session');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** Relative imports of one file, resolved to .ts paths (both `import` and `import type`, and re-exports). */
export function importsOf(file: string, source = readFileSync(file, 'utf8')): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
    out.push(resolve(dirname(file), m[1].replace(/\.js$/, '.ts')));
  }
  return out;
}

/** One cycle in the graph, as a list of files, or null. */
export function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'open') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of graph.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

test('the cycle finder finds a cycle when there is one', () => {
  const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', []]]);
  assert.equal(findCycle(g), ['a', 'b', 'c', 'a']);
  assert.is(findCycle(new Map([['a', ['b']], ['b', []]])), null);
  assert.equal(importsOf('/x/a.ts', "import type { S } from './session.js';\nexport { K } from './kinds/k.js';"), ['/x/session.ts', '/x/kinds/k.ts']);
});

test('agent/session/ has no import cycle, type-only imports included', () => {
  const all = files(ROOT);
  assert.ok(all.length >= 15, `only ${all.length} files found`);
  const graph = new Map(all.map((f) => [f, importsOf(f).filter((t) => t.startsWith(ROOT + '/'))]));
  const cycle = findCycle(graph);
  assert.is(cycle && cycle.map((f) => relative(ROOT, f)).join(' -> '), null);
});

test('no kind module imports the Session', () => {
  for (const f of files(join(ROOT, 'kinds'))) {
    assert.not.ok(importsOf(f).some((t) => t === join(ROOT, 'session.ts')), relative(ROOT, f));
  }
});

test.run();
