// Makes what the agent runs before it answers `initialize` one CommonJS file, and the entry a CommonJS file that
// requires it. Node 20's ES module loader is started for an ES entry (a cost of its own, see README), and then
// pays per module (resolve, read, compile, link): esbuild's split left 8 chunks on that path. The features loaded
// later stay ES chunks; those that imported a joined chunk import the joined file instead (Node shares a CommonJS
// module between require and import), so each module still exists once.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

const BANNER = /^#!.*\n(import \{ createRequire as __cvfCreateRequire \} from 'node:module'; const require = __cvfCreateRequire\(import\.meta\.url\);)\n?/;
const common = { bundle: true, platform: 'node', target: 'node20', minifyWhitespace: true, minifySyntax: true, legalComments: 'none', logLevel: 'warning' };

/** `metafile` is the split build's, `entry` its entry's output, `source` the entry's source (rebuilt as CommonJS),
 *  `keep` what other builds wrote too (not removed). */
export async function mergeStartup({ metafile, entry, source, keep = new Set() }) {
  const out = metafile.outputs;
  const at = (p) => resolve(p);
  const first = out[entry].imports.find((i) => i.kind === 'dynamic-import');
  if (!first) throw new Error(`merge-startup: ${entry} has no dynamic import of the agent`);
  const joined = [];
  const visit = (p) => {
    if (joined.includes(at(p)) || !out[p]) return;
    joined.push(at(p));
    for (const i of out[p].imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(first.path);
  const dir = dirname(at(first.path));
  const exported = new Map(); // each name a joined chunk exports, and which chunk
  for (const p of Object.keys(out).filter((k) => joined.includes(at(k)))) {
    for (const name of out[p].exports) {
      if (exported.has(name)) throw new Error(`merge-startup: ${name} is exported by ${exported.get(name)} and ${p}`);
      exported.set(name, p);
    }
  }

  // `export *` of each joined chunk, the dynamic import's target first: bundling keeps the evaluation order.
  const result = await build({
    ...common,
    stdin: { contents: joined.map((f) => `export * from ${JSON.stringify('./' + basename(f))};`).join('\n'), resolveDir: dir, sourcefile: 'startup.js' },
    write: false, format: 'cjs',
    // import.meta.url (createRequire, URLs of files beside the bundle) from the file's own path, when first read.
    define: { 'import.meta': '__cvfImportMeta' },
    banner: { js: 'var __cvfImportMeta={get url(){return require("node:url").pathToFileURL(__filename).href}};' },
    plugins: [{
      name: 'startup-chunks',
      setup(b) {
        b.onResolve({ filter: /^\.\.?\// }, (a) => {
          const p = resolve(a.resolveDir, a.path);
          if (a.kind !== 'dynamic-import' && joined.includes(p)) return { path: p };
          return { path: a.path, external: true }; // same folder as the joined file: the specifier still holds
        });
        b.onResolve({ filter: /.*/ }, (a) => ({ path: a.path, external: true }));
        // Each ES chunk makes its own `require` in its banner: CommonJS has one.
        b.onLoad({ filter: /\.js$/ }, async (a) => ({ contents: (await readFile(a.path, 'utf8')).replace(BANNER, ''), loader: 'js' }));
      },
    }],
  });
  const code = result.outputFiles[0].text;
  // What an ES chunk can import from a CommonJS file is what Node's cjs-module-lexer reads from esbuild's annotation.
  const names = new Set((/0&&\(module\.exports=\{([^}]*)\}\)/.exec(code)?.[1] ?? '').split(',').map((n) => n.split(':')[0].trim()));
  const lost = [...exported.keys()].filter((n) => !names.has(n));
  if (lost.length) throw new Error(`merge-startup: the joined file does not export ${lost.join(', ')}`);

  const hash = createHash('sha256').update(code).digest('hex').slice(0, 8).toUpperCase();
  const file = join(dir, `${basename(first.path).replace(/-[A-Z0-9]+\.js$/, '')}-${hash}.cjs`);
  await writeFile(file, code);
  // Every other output of this build that imported a joined chunk now imports the joined file.
  const specs = new Map(joined.map((f) => [`"./${basename(f)}"`, `"./${basename(file)}"`]));
  for (const p of Object.keys(out)) {
    if (at(p) === at(entry) || joined.includes(at(p)) || !out[p].imports.some((i) => joined.includes(at(i.path)))) continue;
    // A chunk another bin wrote too (same content, same name) would make that bin load the agent's startup file.
    if (keep.has(at(p))) throw new Error(`merge-startup: ${p} is also another bin's chunk and imports a joined one`);
    const src = await readFile(p, 'utf8');
    const next = src.replace(/"\.\/[\w-]+\.js"/g, (s) => specs.get(s) ?? s);
    if (next !== src) await writeFile(p, next);
  }
  for (const f of joined) if (!keep.has(f)) await rm(f, { force: true });

  // The entry again, as CommonJS: its dynamic import of the agent becomes a require of the joined file.
  const rel = `./${join(basename(dir), basename(file))}`;
  await build({
    ...common,
    entryPoints: [source], outfile: entry, format: 'cjs', supported: { 'dynamic-import': false },
    banner: { js: '#!/usr/bin/env node' },
    plugins: [{
      name: 'startup-entry',
      setup(b) {
        b.onResolve({ filter: /^\.\/cli\.js$/ }, () => ({ path: 'cli', namespace: 'startup' }));
        b.onLoad({ filter: /.*/, namespace: 'startup' }, () => ({ contents: `require(${JSON.stringify(rel)});`, loader: 'js', resolveDir: dirname(at(entry)) }));
        b.onResolve({ filter: /^\.\/[\w-]+\/[\w-]+\.cjs$/ }, (a) => ({ path: a.path, external: true }));
      },
    }],
  });
  await chmod(entry, 0o755);
  return { file, joined };
}
