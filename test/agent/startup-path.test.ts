// What the built agent loads before it answers `initialize`: the entry (CommonJS), the startup file it requires,
// and their static imports (every other feature is a dynamic import, loaded on first use or after that answer).
// bench:startup measures the time; this keeps what makes it: one CommonJS file, no classic zod, a byte budget.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AGENT_BIN } from '../helpers/agent.js';

const staticImports = (src: string) => [...src.matchAll(/\bimport\s*(?:[\w${},\s*]*?\bfrom\s*)?["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]);
const dynamicImports = (src: string) => [...src.matchAll(/\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)].map((m) => m[1]);
const requires = (src: string) => [...src.matchAll(/\brequire\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)].map((m) => m[1]);

/** The entry's own dynamic import or require (the cli chunk) and everything reached from there by static imports
 *  and requires. */
function startupPath(entry: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (file: string, follow: (src: string) => string[]) => {
    if (files.has(file)) return;
    const src = readFileSync(file, 'utf8');
    files.set(file, src);
    for (const spec of follow(src)) visit(resolve(dirname(file), spec), (s) => [...staticImports(s), ...requires(s)]);
  };
  visit(entry, (src) => [...staticImports(src), ...dynamicImports(src), ...requires(src)]);
  return files;
}

test('the import scanner follows static imports and the entry\'s dynamic import, not a chunk\'s lazy ones', () => {
  assert.equal(staticImports('import{a as b,c}from"./x.js";import"./y.js";const m=import("./lazy.js")'), ['./x.js', './y.js']);
  assert.equal(dynamicImports('await import("./chunks/cli-AB.js");import"./z.js"'), ['./chunks/cli-AB.js']);
  assert.equal(requires('require("./chunks/cli-AB.cjs");require("node:fs");import("./lazy.js")'), ['./chunks/cli-AB.cjs']);
});

test('the entry and what it runs before the first answer are CommonJS in one file: no ES module is loaded on that path', () => {
  const files = startupPath(AGENT_BIN);
  const names = [...files.keys()].map((f) => relative(dirname(AGENT_BIN), f));
  assert.equal(names.length, 2, names.join(', '));
  assert.match(names[1], /^chunks\/cli-[A-Z0-9]+\.cjs$/);
  assert.equal(JSON.parse(readFileSync(resolve(dirname(AGENT_BIN), 'package.json'), 'utf8')).type, 'commonjs');
  for (const src of files.values()) assert.not.match(src, /^\s*(import|export)\b|[;}]\s*(import|export)\s*[{*"]/m, 'an ES import or export');
});

test('initialize is answered without loading classic zod: its declarations load zod/mini\'s own small copy', () => {
  const files = startupPath(AGENT_BIN);
  const names = [...files.keys()].map((f) => relative(dirname(AGENT_BIN), f));
  assert.ok(names.some((n) => n.startsWith('chunks/cli-')), `the cli chunk is on the path: ${names.join(', ')}`);
  const classic = names.filter((n, i) => [...files.values()][i].includes('$constructor("ZodType"'));
  assert.equal(classic, [], 'classic zod (ZodType) is loaded before the first answer');
  assert.ok([...files.values()].some((src) => src.includes('$constructor("ZodMiniType"')), 'zod/mini is on the path');
});

test('what loads before the first answer stays under 120 KB (it was 205 KB with classic zod)', () => {
  const bytes = [...startupPath(AGENT_BIN).values()].reduce((n, src) => n + Buffer.byteLength(src), 0);
  assert.ok(bytes < 120_000, `${bytes} bytes on the startup path`);
});

test.run();
