// No JSON-RPC method name is written as a string outside protocol/: agent/, frontends/ and rpc/ name methods
// through their declarations (`X.method`, `AcpServed...method`). A small lexer finds every string literal
// (comments and the prose inside longer strings never match); a literal that equals a declared method name is
// reported where it is used as one: the first argument of a sending or registering call, a `method:`
// property, a comparison with a `method`, a case of a switch on a `method`, or anywhere for a name only a
// method has (`session/new`, `$/cancelRequest`, `rpc.discover`). (TypeScript 7 here has no JS parser API.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AcpServed, AcpToClient } from '../protocol/acp.js';
import { AcpClientMethods } from '../protocol/acp-client.js';
import { notifications, requests } from '../protocol/index.js';

const METHODS = new Set<string>([
  ...[...requests, ...notifications].map((d) => d.method),
  ...Object.values(AcpServed).flatMap((g) => Object.values(g).map((d) => d.method)),
  ...Object.values(AcpToClient), ...Object.values(AcpClientMethods),
]);
const SENDS = /\b(?:call|send|sendNotification|sendRequest|request|notify|onRequest|onNotification)\(\s*$/;

interface Lit { text: string; start: number; end: number }

/** String literals without substitutions (quotes and plain templates), skipping comments and regex literals. */
function literals(src: string): Lit[] {
  const out: Lit[] = [];
  const braces: number[] = []; // open-brace depth at each `${` of an enclosing template
  let depth = 0;
  let i = 0;
  let prev = ''; // last significant code character, to tell a regex from a division
  const template = (from: number) => { // scans template text from `from`; returns where code resumes
    let j = from;
    let text = '';
    for (; j < src.length; j++) {
      if (src[j] === '\\') { text += src[j + 1]; j++; continue; }
      if (src[j] === '`') { return { next: j + 1, done: true, text }; }
      if (src[j] === '$' && src[j + 1] === '{') return { next: j + 2, done: false, text };
      text += src[j];
    }
    return { next: j, done: true, text };
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') { i = src.indexOf('\n', i); if (i < 0) break; continue; }
    if (c === '/' && src[i + 1] === '*') { i = src.indexOf('*/', i + 2); if (i < 0) break; i += 2; continue; }
    if (c === '/' && (prev === '' || '(,=:[!&|?{};+-*%<>~^'.includes(prev) || /\b(?:return|typeof|case)\s*$/.test(src.slice(Math.max(0, i - 8), i)))) {
      let j = i + 1;
      let cls = false;
      for (; j < src.length && src[j] !== '\n'; j++) {
        if (src[j] === '\\') { j++; continue; }
        if (src[j] === '[') cls = true; else if (src[j] === ']') cls = false; else if (src[j] === '/' && !cls) break;
      }
      i = j + 1; prev = ')'; continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let text = '';
      for (; j < src.length && src[j] !== c && src[j] !== '\n'; j++) {
        if (src[j] === '\\') { text += src[j + 1]; j++; } else text += src[j];
      }
      out.push({ text, start: i, end: j + 1 });
      i = j + 1; prev = 'a'; continue;
    }
    if (c === '`' || (c === '}' && braces.length && braces[braces.length - 1] === depth)) {
      const opening = c === '`';
      if (!opening) braces.pop();
      const t = template(i + 1);
      if (opening && t.done) out.push({ text: t.text, start: i, end: t.next });
      if (!t.done) braces.push(depth);
      i = t.next; prev = 'a'; continue;
    }
    if (c === '{') depth++;
    if (c === '}') depth--;
    if (!/\s/.test(c)) prev = c;
    i++;
  }
  return out;
}

/** Why `lit` stands as a method name, or undefined when it is some other string that happens to match. */
function asMethod(src: string, lit: Lit): string | undefined {
  if (/[/$.]/.test(lit.text)) return 'a name only a method has';
  const before = src.slice(Math.max(0, lit.start - 200), lit.start);
  const after = src.slice(lit.end, lit.end + 80);
  if (SENDS.test(before)) return 'first argument of a sending or registering call';
  if (/\bmethod\s*:\s*$/.test(before)) return 'a method: property';
  if (/method[\w.]*\s*[!=]==?\s*$/i.test(before) || /^\s*[!=]==?\s*[\w.]*method\b/i.test(after)) return 'compared with a method';
  if (/\bcase\s*$/.test(before)) {
    const sw = src.lastIndexOf('switch', lit.start);
    if (sw >= 0 && /^switch\s*\([^)]*method[^)]*\)/i.test(src.slice(sw, sw + 120))) return 'a case of a switch on a method';
  }
  return undefined;
}

export function methodLiterals(file: string, src: string): string[] {
  return literals(src).filter((l) => METHODS.has(l.text)).flatMap((l) => {
    const why = asMethod(src, l);
    return why ? [`${file}:${src.slice(0, l.start).split('\n').length}: '${l.text}' (${why})`] : [];
  });
}

test('no method string outside protocol/ in agent/, frontends/ and rpc/', () => {
  const files = execFileSync('git', ['ls-files', 'agent', 'frontends', 'rpc'], { encoding: 'utf8' }).split('\n').filter((f) => /\.ts$/.test(f));
  assert.ok(files.length > 50, `only ${files.length} files listed`);
  const sources = files.map((f) => [f, readFileSync(f, 'utf8')] as const);
  // The lexer reaches the code: the outbox's route name 'sendMessage' (a look-alike, not a method) is seen.
  assert.ok(sources.some(([, src]) => literals(src).some((l) => l.text === 'sendMessage')), 'the lexer found no look-alike');
  const found = sources.flatMap(([f, src]) => methodLiterals(f, src));
  assert.equal(found, [], `method names written by hand (use the declaration's .method):\n${found.join('\n')}`);
});

test('the check finds a planted literal in each position, and leaves look-alikes alone', () => {
  const planted = [
    "peer.send('createTask', {});",
    "conn.sendNotification('session/cancel', { sessionId });",
    "const m = { method: 'engineer_message', params };",
    "if (method === 'ping') return;",
    "switch (msg.method) { case 'shutdown': break; }",
    "const c = ['$/cancelRequest'];",
  ];
  for (const line of planted) assert.is(methodLiterals('planted.ts', line).length, 1, line);
  const lookAlikes = [
    "child.once('exit', done);",
    "outbox.enqueue('sendMessage', body);",
    "switch (e.type) { case 'engineer_message': break; }",
    "// sends `initialize` first",
    "const usage = 'Send \"initialize\" first';",
    "const r = /session\\/new/;",
    "const t = `calls ${'x'} initialize`;",
  ];
  for (const line of lookAlikes) assert.equal(methodLiterals('lookalike.ts', line), [], line);
});

test.run();
