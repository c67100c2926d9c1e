// Joins the chunks the agent loads before it answers `initialize` into one file. esbuild splits shared code by
// which entries use it, so that path was 8 chunks, and Node 20's ESM loader pays per module (resolve, read,
// compile, link): one file answers sooner. The entry's own static imports stay apart (they load before the
// compile cache is on); every other chunk that imported a joined chunk imports the joined file instead, so each
// module still exists once.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

const BANNER = /^#!.*\n(import \{ createRequire as __cvfCreateRequire \} from 'node:module'; const require = __cvfCreateRequire\(import\.meta\.url\);)\n?/;

/** `metafile` is the split build's; `entry` its entry's output path; `keep` outputs other builds wrote (not removed). */
export async function mergeStartup({ metafile, entry, banner, keep = new Set() }) {
  const out = metafile.outputs;
  const at = (p) => resolve(p);
  const first = out[entry].imports.find((i) => i.kind === 'dynamic-import');
  if (!first) return null;
  const preloaded = new Set(out[entry].imports.filter((i) => i.kind === 'import-statement').map((i) => at(i.path)));
  const joined = [];
  const visit = (p) => {
    if (preloaded.has(at(p)) || joined.includes(at(p)) || !out[p]) return;
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
    stdin: { contents: joined.map((f) => `export * from ${JSON.stringify('./' + basename(f))};`).join('\n'), resolveDir: dir, sourcefile: 'startup.js' },
    bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', target: 'node20',
    minifyWhitespace: true, minifySyntax: true, legalComments: 'none', logLevel: 'warning',
    banner: { js: banner },
    plugins: [{
      name: 'startup-chunks',
      setup(b) {
        b.onResolve({ filter: /^\.\.?\// }, (a) => {
          const p = resolve(a.resolveDir, a.path);
          if (a.kind !== 'dynamic-import' && joined.includes(p)) return { path: p };
          return { path: a.path, external: true }; // same folder as the joined file: the specifier still holds
        });
        b.onResolve({ filter: /.*/ }, (a) => ({ path: a.path, external: true }));
        // Each chunk makes its own `require` in its banner: the joined file makes one.
        b.onLoad({ filter: /\.js$/ }, async (a) => ({ contents: (await readFile(a.path, 'utf8')).replace(BANNER, ''), loader: 'js' }));
      },
    }],
  });
  const code = result.outputFiles[0].text;
  const names = new Set(Object.values(result.metafile.outputs)[0].exports);
  const lost = [...exported.keys()].filter((n) => !names.has(n));
  if (lost.length) throw new Error(`merge-startup: the joined file does not export ${lost.join(', ')}`);

  const hash = createHash('sha256').update(code).digest('hex').slice(0, 8).toUpperCase();
  const file = join(dir, `${basename(first.path).replace(/-[A-Z0-9]+\.js$/, '')}-${hash}.js`);
  await writeFile(file, code);
  // Every other output of this build that imported a joined chunk now imports the joined file.
  const specs = new Map(joined.map((f) => [`"./${basename(f)}"`, `"./${basename(file)}"`]));
  specs.set(`"./chunks/${basename(first.path)}"`, `"./chunks/${basename(file)}"`);
  for (const p of Object.keys(out)) {
    if (joined.includes(at(p)) || !out[p].imports.some((i) => joined.includes(at(i.path)))) continue;
    const src = await readFile(p, 'utf8');
    const next = src.replace(/"\.\/(?:chunks\/)?[\w-]+\.js"/g, (s) => specs.get(s) ?? s);
    if (next !== src) await writeFile(p, next);
  }
  for (const f of joined) if (!keep.has(f)) await rm(f, { force: true });
  return { file, joined };
}
