// `npm run release`: builds fresh into a staging folder and writes release/ with the two package tarballs,
// SHA256SUMS, latest.json ({version, files: {name: sha256}}) and install.sh.
// Options (for tests and mirrors): --out DIR (default release), --version V (stamp another version),
// --url URL (the default CODEVF_RELEASE_URL written into install.sh).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const arg = (name, fallback) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : fallback; };
const root = resolve(import.meta.dirname, '..');
const out = resolve(arg('--out', join(root, 'release')));
const rootPkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
const version = arg('--version', rootPkg.version);
const url = arg('--url', 'https://github.com/codevf/codevf/releases/latest/download');
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/.test(version)) throw new Error(`not a version: ${version}`);

const stage = join(out, '.stage');
await rm(out, { recursive: true, force: true });
await mkdir(join(stage, 'codevf'), { recursive: true });
await mkdir(join(stage, 'codevf-sandbox', 'dist'), { recursive: true });

// A fresh build: no stale chunks from earlier builds end up in the tarball.
execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--out', join(stage, 'codevf', 'dist'), '--version', version], { cwd: root, stdio: 'inherit' });

/** package.json as published: no scripts, workspaces or devDependencies. */
function published(pkg) {
  const { scripts: _s, workspaces: _w, devDependencies: _d, allowScripts: _a, ...rest } = pkg;
  return `${JSON.stringify({ ...rest, version }, null, 2)}\n`;
}

const cli = join(stage, 'codevf');
await writeFile(join(cli, 'package.json'), published(rootPkg));
for (const f of ['README.md', 'LICENSE', 'CHANGELOG.md', 'schemas', 'examples']) await cp(join(root, f), join(cli, f), { recursive: true });

const sandbox = join(stage, 'codevf-sandbox');
await writeFile(join(sandbox, 'package.json'), published(JSON.parse(await readFile(join(root, 'backend/package.json'), 'utf8'))));
// The ES bundle itself: the codevf-sandbox package is ES ("type": "module"); dist/sandbox.js in a checkout is a
// CommonJS file that imports it, since dist/ is CommonJS for the agent's entry (scripts/merge-startup.mjs).
await cp(join(cli, 'dist', 'sandbox.mjs'), join(sandbox, 'dist', 'sandbox.js'));
await cp(join(root, 'backend/README.md'), join(sandbox, 'README.md'));
await cp(join(root, 'LICENSE'), join(sandbox, 'LICENSE'));

const pack = (dir) => JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out], { cwd: dir, encoding: 'utf8' }))[0];
const packed = [pack(cli), pack(sandbox)];

const sha256 = async (file) => createHash('sha256').update(await readFile(file)).digest('hex');
const installSh = (await readFile(join(root, 'scripts/install.sh'), 'utf8')).replace('@RELEASE_URL@', url);
await writeFile(join(out, 'install.sh'), installSh);
await chmod(join(out, 'install.sh'), 0o755);

const files = {};
for (const name of [...packed.map((p) => p.filename), 'install.sh']) files[name] = await sha256(join(out, name));
await writeFile(join(out, 'SHA256SUMS'), Object.entries(files).map(([n, h]) => `${h}  ${n}\n`).join(''));
await writeFile(join(out, 'latest.json'), `${JSON.stringify({ version, files }, null, 2)}\n`);
await rm(stage, { recursive: true, force: true });

for (const p of packed) console.log(`${p.filename}: ${p.entryCount} files, ${p.size} bytes packed, ${p.unpackedSize} unpacked`);
console.log(`wrote ${out}`);
