// Writing a file for an allowed write request: the hostile corpus never writes anything outside the
// project, never through a link, never to a never-share file; a changed file is not overwritten; the
// unified diffs shown apply with GNU patch, and GNU diff -u output applies here.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import { RpcError } from '../../protocol/errors.js';
import { applyWrite, writeTarget } from '../../agent/write/apply.js';
import { applyUnifiedDiff, DiffError, unifiedDiff } from '../../agent/write/diff.js';
import { buildHostileProject, type HostileProject } from '../fixtures/hostile-paths.js';

const test = suite<{ p: HostileProject }>('write: apply and diff');
const CAP = 1024 * 1024;
test.before(async (ctx) => { ctx.p = await buildHostileProject(2 * CAP); });
test.after(async (ctx) => { await ctx.p.cleanup(); });

/** Names that are plain new files inside the project once taken literally: writing them is fine. */
const LITERAL_INSIDE = new Set(['percent-encoded slashes stay literal']);

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath, e.name);
    if (e.isFile()) out[p] = await fs.readFile(p, 'utf8');
    else if (e.isSymbolicLink()) out[p] = `-> ${await fs.readlink(p)}`;
  }
  return out;
}

test('no hostile path is written: each is refused and nothing outside the project (or any protected file) changes', async ({ p }) => {
  const outside = { a: await tree(path.join(p.base, 'outside')), b: await tree(path.join(p.base, 'root-evil')) };
  const protectedFiles = ['.env', 'id_rsa', '.ssh/config', '.aws/credentials', 'config/master.key', 'README.md'];
  const before = await Promise.all(protectedFiles.map((f) => fs.readFile(path.join(p.root, f), 'utf8')));
  const written: string[] = [];
  for (const c of p.cases) {
    if (c.beforeOpen || LITERAL_INSIDE.has(c.name)) continue;
    try {
      await applyWrite(p.root, c.path, null, 'pwned\n', CAP);
      written.push(c.name);
    } catch (e) {
      assert.ok(e instanceof RpcError, `${c.name}: ${String(e)}`);
    }
  }
  for (const link of ['readme-link.md', 'abs-inside-link', 'notes-link.txt']) {
    await assert.rejects(applyWrite(p.root, link, 'x', 'pwned\n', CAP), (e: RpcError) => e.data.reason === 'path_outside_project' || e.data.reason === 'never_share', link);
  }
  for (const f of ['.codevf/config.json', '.git/hooks/pre-commit', '.GIT/config']) {
    await assert.rejects(applyWrite(p.root, f, null, 'pwned\n', CAP), (e: RpcError) => e.data.reason === 'never_share', f);
  }
  assert.deepEqual(written, []);
  assert.deepEqual({ a: await tree(path.join(p.base, 'outside')), b: await tree(path.join(p.base, 'root-evil')) }, outside);
  assert.deepEqual(await Promise.all(protectedFiles.map((f) => fs.readFile(path.join(p.root, f), 'utf8'))), before);
  assert.equal(await fs.readFile('/etc/passwd', 'utf8').then((s) => s.includes('pwned')), false);
});

test('a hard-linked file is refused (writing it would change the other name too)', async ({ p }) => {
  await fs.link(path.join(p.base, 'outside/file.txt'), path.join(p.root, 'hard.txt'));
  await assert.rejects(applyWrite(p.root, 'hard.txt', 'outside file\n', 'pwned\n', CAP), (e: RpcError) => e.data.reason === 'path_outside_project');
  assert.equal(await fs.readFile(path.join(p.base, 'outside/file.txt'), 'utf8'), 'outside file\n');
});

test('an allowed write replaces the file whole, keeps its mode, and refuses if the file changed since it was shown', async ({ p }) => {
  const f = path.join(p.root, 'src/index.ts');
  await fs.chmod(f, 0o600);
  const t = await writeTarget(p.root, 'src/index.ts', CAP);
  assert.equal(t.before, 'export const x = 1;\n');
  await applyWrite(p.root, 'src/index.ts', t.before, 'export const x = 2;\n', CAP);
  assert.equal(await fs.readFile(f, 'utf8'), 'export const x = 2;\n');
  assert.equal((await fs.stat(f)).mode & 0o777, 0o600);
  await assert.rejects(applyWrite(p.root, 'src/index.ts', t.before, 'export const x = 3;\n', CAP), (e: RpcError) => e.data.reason === 'file_changed');
  assert.equal(await fs.readFile(f, 'utf8'), 'export const x = 2;\n');
  await applyWrite(p.root, 'src/new.ts', null, 'new\n', CAP);
  assert.equal(await fs.readFile(path.join(p.root, 'src/new.ts'), 'utf8'), 'new\n');
  assert.deepEqual((await fs.readdir(path.join(p.root, 'src'))).filter((n) => n.endsWith('.tmp')), []);
});

test('diffs: ours apply with GNU patch and back; GNU diff -u applies here; a diff that does not fit is refused', async ({ p }) => {
  const pairs: [string, string][] = [['a\nb\nc\n', 'a\nB\nc\n'], ['1\n2\n3\n4\n5\n6\n7\n8\n9\n', '0\n1\n2\n3\n5\n6\n7\n8\n9\nten'], ['x', 'x\n'], ['', 'new\n']];
  for (const [a, b] of pairs) {
    const d = unifiedDiff('f.txt', a, b);
    assert.equal(applyUnifiedDiff(a, d), b);
    await fs.writeFile(path.join(p.base, 'f.txt'), a);
    await fs.writeFile(path.join(p.base, 'p.diff'), d);
    execFileSync('patch', ['-s', path.join(p.base, 'f.txt'), path.join(p.base, 'p.diff')]);
    assert.equal(await fs.readFile(path.join(p.base, 'f.txt'), 'utf8'), b);
    await fs.writeFile(path.join(p.base, 'f.txt'), a);
    await fs.writeFile(path.join(p.base, 'b.txt'), b);
    let gnu = '';
    try { execFileSync('diff', ['-u', path.join(p.base, 'f.txt'), path.join(p.base, 'b.txt')]); } catch (e) { gnu = String((e as { stdout: Buffer }).stdout); }
    assert.equal(applyUnifiedDiff(a, gnu), b, `GNU diff of ${JSON.stringify([a, b])}`);
  }
  assert.throws(() => applyUnifiedDiff('a\nb\n', '@@ -1,2 +1,2 @@\n a\n-zzz\n+b2\n'), DiffError);
  assert.throws(() => applyUnifiedDiff('a\n', 'just text'), DiffError);
});

test.run();
