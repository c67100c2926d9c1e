// Generates a git repository for the snapshot bench: thousands of files, tens of MB: source-like text,
// already-compressed media, incompressible blobs, a few big files, and optionally copies of real code.
import fs from 'node:fs/promises';
import path from 'node:path';
import { neverShareReason } from '../../agent/security/never-share.js';
import { git, noise } from './helpers.js';

const WORDS = ('const let function return if else for while import export from class extends new this await async '
  + 'value result error config request response handler buffer stream file path index count items user session token '
  + 'string number boolean undefined null true false map filter reduce push length options default').split(' ');

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) / 0x100000000; };
}

/** Source-like text of about `size` bytes. */
function sourceText(size: number, rand: () => number): string {
  const lines: string[] = [];
  let n = 0;
  while (n < size) {
    const indent = '  '.repeat(Math.floor(rand() * 4));
    const words = Array.from({ length: 3 + Math.floor(rand() * 9) }, () => WORDS[Math.floor(rand() * WORDS.length)]);
    const line = `${indent}${words.join(' ')}${rand() < 0.3 ? ` // id ${Math.floor(rand() * 1e9).toString(36)}` : ''};`;
    lines.push(line);
    n += line.length + 1;
  }
  return lines.join('\n') + '\n';
}

export interface GeneratedRepo { files: number; bytes: number }

export interface GenerateOptions {
  scale?: number;
  /** Real folders (e.g. installed packages) copied under `vendor/`: real code compresses like real code. */
  copyFrom?: string[];
}

/** Fills `root` (created) with the files and commits them. */
export async function generateRepo(root: string, opts: GenerateOptions = {}): Promise<GeneratedRepo> {
  const scale = opts.scale ?? 1;
  const rand = rng(42);
  let files = 0;
  let bytes = 0;
  const put = async (rel: string, data: string | Buffer) => {
    const abs = path.join(root, rel);
    await fs.mkdir(path.dirname(abs), { recursive: true });
    await fs.writeFile(abs, data);
    files++;
    bytes += Buffer.byteLength(data);
  };
  await fs.mkdir(root, { recursive: true });
  git(root, 'init', '-q');
  for (let i = 0; i < 3000 * scale; i++) {
    const size = Math.floor(300 + rand() * rand() * 24_000);
    await put(`src/mod${i % 40}/sub${i % 7}/file${i}.ts`, sourceText(size, rand));
  }
  for (let i = 0; i < 600 * scale; i++) await put(`docs/page${i % 30}/doc${i}.md`, sourceText(500 + Math.floor(rand() * 3000), rand));
  for (let i = 0; i < 300 * scale; i++) {
    const size = 2000 + Math.floor(rand() * 40_000);
    await put(`assets/${i % 10}/img${i}.${i % 2 ? 'png' : 'dat'}`, noise(size, i + 7));
  }
  for (let i = 0; i < 16 * scale; i++) {
    const size = 500_000 + Math.floor(rand() * 1_500_000);
    await put(`data/big${i}.${i % 2 ? 'log' : 'bin'}`, i % 2 ? sourceText(size, rand) : noise(size, i + 99));
  }
  for (const dir of opts.copyFrom ?? []) {
    for (const rel of await realFiles(dir)) await put(path.join('vendor', path.basename(dir), rel), await fs.readFile(path.join(dir, rel)));
  }
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'generated');
  return { files, bytes };
}

/** A repository of `count` small source files in 1,300 folders: a big monorepo's shape, where file count, not bytes, weighs. */
export async function generateManyFiles(root: string, count: number): Promise<GeneratedRepo> {
  const rand = rng(7);
  let bytes = 0;
  await fs.mkdir(root, { recursive: true });
  git(root, 'init', '-q');
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, `pkg${i % 100}`, `mod${i % 13}`);
    if (i < 1300) await fs.mkdir(dir, { recursive: true });
    const text = sourceText(200 + Math.floor(rand() * 3000), rand);
    await fs.writeFile(path.join(dir, `file${i}.ts`), text);
    bytes += text.length;
  }
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'generated');
  return { files: count, bytes };
}

/** Regular files under `dir` (relative), never-share names left out so both zips hold the same files. */
async function realFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const rel = path.relative(dir, path.join(e.parentPath ?? e.path, e.name));
    if (!neverShareReason(rel) && !rel.split(path.sep).includes('node_modules')) out.push(rel);
  }
  return out.sort();
}
