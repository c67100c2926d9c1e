// Bundles each bin into one ESM file: loading one file instead of hundreds of modules is what keeps startup fast.
import { build } from 'esbuild';
import { chmod, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { existsSync } from 'node:fs';

const entries = [
  // Split: features load on first use, so `initialize` is answered before ws, git, zip or keyring code loads.
  ['agent/main.ts', 'dist/codevf-agent.js', { split: true }],
  // Split: `codevf --version` / `--help` load only the small entry; each command is a chunk loaded on demand.
  ['frontends/tty/main.ts', 'dist/codevf.js', { split: true }],
  ['backend/sandbox.ts', 'dist/sandbox.js'],
].filter(([src]) => existsSync(src));

// Native addons and packages that locate files next to themselves stay outside the bundle.
const external = ['better-sqlite3', '@napi-rs/keyring', 'dugite', 'playwright-core'];

await mkdir('dist', { recursive: true });
// Old chunks stay a while: a codevf started before this build still imports them (names carry a hash).
await mkdir('dist/chunks', { recursive: true });
for (const f of await readdir('dist/chunks')) {
  const p = `dist/chunks/${f}`;
  if (Date.now() - (await stat(p)).mtimeMs > 3_600_000) await rm(p, { force: true });
}
await Promise.all(entries.map(async ([src, out, opts = {}]) => {
  await build({
    entryPoints: [src],
    ...(opts.split
      ? { outdir: 'dist', entryNames: basename(out, '.js'), chunkNames: 'chunks/[name]-[hash]', splitting: true }
      : { outfile: out }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external,
    legalComments: 'none',
    // Less to parse at startup; identifiers keep their names so logged stack traces stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __cvfCreateRequire } from 'node:module'; const require = __cvfCreateRequire(import.meta.url);",
    },
  });
  await chmod(out, 0o755);
}));
