// Bundles each bin: ES chunks that load on first use, and what the agent runs before it answers `initialize` joined
// into one CommonJS file (scripts/merge-startup.mjs). A few files instead of hundreds of modules keeps startup fast.
import { build } from 'esbuild';
import { chmod, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mergeStartup } from './merge-startup.mjs';

// `--out DIR` builds into a fresh folder (the release does); `--version V` stamps another version (tests of upgrades).
const arg = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const outDir = arg('--out') ?? 'dist';
const gitOut = (args) => { try { return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return ''; } };
// The commit and its date, not the clock: the same commit builds the same bundle.
const BUILD = {
  version: arg('--version') ?? JSON.parse(readFileSync('package.json', 'utf8')).version,
  commit: gitOut(['rev-parse', '--short=12', 'HEAD']) || 'unknown',
  date: (gitOut(['log', '-1', '--format=%cI']) || new Date().toISOString()).slice(0, 10),
};

const entries = [
  // Split: features load on first use, so `initialize` is answered before ws, git, zip or keyring code loads;
  // then what loads before that answer is joined into one chunk (scripts/merge-startup.mjs).
  // dist/ is CommonJS (dist/package.json) for that entry; the ES bundles are in chunks/ (ES, chunks/package.json)
  // or .mjs, and the other bins are CommonJS files that import them.
  ['agent/main.ts', join(outDir, 'codevf-agent.js'), { split: true, mergeStartup: true }],
  // Split: `codevf --version` / `--help` load only the small entry; each command is a chunk loaded on demand.
  ['frontends/tty/main.ts', join(outDir, 'chunks', 'codevf-main.js'), { split: true, bin: join(outDir, 'codevf.js') }],
  ['backend/sandbox.ts', join(outDir, 'sandbox.mjs'), { bin: join(outDir, 'sandbox.js') }],
].filter(([src]) => existsSync(src));

// Native addons and packages that locate files next to themselves stay outside the bundle.
const external = ['better-sqlite3', '@napi-rs/keyring', 'dugite', 'playwright-core'];

// What the agent needs before it answers `initialize` is declared with zod/mini (protocol/zod-mini.ts). esbuild
// splits by file, so sharing zod's core files with classic would put all of core (~130 KB) on that path. Instead
// zod/mini and zod/locales, and what they import, load as a second copy of zod's files (their own namespace),
// which tree-shakes to ~46 KB. Two copies agree: zod keeps its config and registry on globalThis, instanceof is by trait.
const ownZodMini = {
  name: 'own-zod-mini',
  setup(b) {
    const ns = 'zod-mini-copy';
    b.onResolve({ filter: /.*/ }, async (a) => {
      if (a.pluginData?.inner) return undefined;
      if (!/^zod\/(mini|locales)$/.test(a.path) && a.namespace !== ns) return undefined;
      const r = await b.resolve(a.path, { kind: a.kind, importer: a.importer, resolveDir: a.resolveDir, pluginData: { inner: true } });
      if (r.errors.length) return { errors: r.errors };
      return { path: r.path, namespace: ns, sideEffects: false }; // zod's package.json: no side effects in v4/
    });
    b.onLoad({ filter: /.*/, namespace: ns }, async (a) => ({ contents: await readFile(a.path, 'utf8'), loader: 'js', resolveDir: dirname(a.path) }));
  },
};

await mkdir(outDir, { recursive: true });
// Old chunks stay a while: a codevf started before this build still imports them (names carry a hash).
await mkdir(join(outDir, 'chunks'), { recursive: true });
await writeFile(join(outDir, 'package.json'), '{ "type": "commonjs" }\n');
await writeFile(join(outDir, 'chunks', 'package.json'), '{ "type": "module" }\n');
for (const f of await readdir(join(outDir, 'chunks'))) {
  const p = join(outDir, 'chunks', f);
  if (Date.now() - (await stat(p)).mtimeMs > 3_600_000) await rm(p, { force: true });
}
// The console's browser script (TypeScript, type-checked with the DOM types) becomes a string in the sandbox.
const consoleJs = existsSync('backend/web/client/console.ts') ? (await build({
  entryPoints: ['backend/web/client/console.ts'], bundle: true, write: false, platform: 'browser', format: 'iife',
  target: 'es2020', minifyWhitespace: true, minifySyntax: true, legalComments: 'none', logLevel: 'warning',
})).outputFiles[0].text : '';

const banner = "#!/usr/bin/env node\nimport { createRequire as __cvfCreateRequire } from 'node:module'; const require = __cvfCreateRequire(import.meta.url);";
const built = await Promise.all(entries.map(async ([src, out, opts = {}]) => {
  const { metafile } = await build({
    entryPoints: [src],
    ...(opts.split
      ? { outdir: outDir, entryNames: relative(outDir, out).replace(/\.js$/, ''), chunkNames: 'chunks/[name]-[hash]', splitting: true }
      : { outfile: out }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external,
    plugins: opts.split ? [ownZodMini] : [],
    legalComments: 'none',
    define: { __CODEVF_BUILD__: JSON.stringify(BUILD), __CONSOLE_JS__: JSON.stringify(consoleJs) },
    // Less to parse at startup; identifiers keep their names so logged stack traces stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    banner: { js: banner },
    metafile: true,
  });
  await chmod(out, 0o755);
  if (opts.bin) {
    await writeFile(opts.bin, `#!/usr/bin/env node\nimport(${JSON.stringify('./' + relative(dirname(opts.bin), out))});\n`);
    await chmod(opts.bin, 0o755);
  }
  return { out, opts, metafile };
}));
// After every build: a chunk another bin wrote too (same content, same name) stays on disk.
const written = (m) => Object.keys(m.outputs).map((p) => resolve(p));
for (const { out, opts, metafile } of built.filter((b) => b.opts.mergeStartup)) {
  const keep = new Set(built.filter((b) => b.metafile !== metafile).flatMap((b) => written(b.metafile)));
  const entry = Object.keys(metafile.outputs).find((p) => resolve(p) === resolve(out));
  await mergeStartup({ metafile, entry, source: entries.find(([, o]) => o === out)[0], keep });
}
