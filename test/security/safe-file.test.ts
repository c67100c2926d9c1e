import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { ProjectFiles } from '../../agent/security/safe-file.js';
import { buildHostileProject, type HostileProject } from '../fixtures/hostile-paths.js';

const test = suite<{ p: HostileProject; files: ProjectFiles }>('safe-file');
const CAP = 1024 * 1024;

test.before(async (ctx) => {
  ctx.p = await buildHostileProject(2 * CAP);
  ctx.files = await ProjectFiles.open(ctx.p.root);
});
test.after(async (ctx) => { await ctx.p.cleanup(); });

async function refusal(files: ProjectFiles, p: string, opts = {}): Promise<RpcError> {
  try {
    const got = await files.read(p, { maxBytes: CAP, ...opts });
    throw new Error(`served ${JSON.stringify(p)}: ${JSON.stringify(got).slice(0, 200)}`);
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    return err;
  }
}

test('the hostile corpus holds at least 30 paths', ({ p }) => {
  assert.ok(p.cases.length >= 30, `only ${p.cases.length} cases`);
});

test('every hostile path is refused with its stable reason', async ({ p, files }) => {
  const wrong: string[] = [];
  for (const c of p.cases) {
    const err = await refusal(files, c.path, { beforeOpen: c.beforeOpen });
    const want = c.reason === 'file_not_found' ? ErrorCode.NotFound : ErrorCode.Forbidden;
    if (err.data.reason !== c.reason || err.code !== want) wrong.push(`${c.name}: got ${err.code} ${err.data.reason} (${err.message})`);
  }
  assert.deepEqual(wrong, []);
});

test('legitimate files are served, links inside the project as their real path', async ({ p, files }) => {
  for (const l of p.legit.filter((x) => x.content !== undefined)) {
    const got = await files.read(l.path);
    assert.equal(got.content, l.content, l.path);
    assert.equal(got.binary, false);
  }
  assert.equal((await files.read('readme-link.md')).path, 'README.md');
});

test('binary files come as base64 with the binary flag', async ({ files }) => {
  const got = await files.read('data.bin');
  assert.deepEqual(got, { path: 'data.bin', size: 5, binary: true, encoding: 'base64', content: 'AAEC//4=', redactions: { count: 0, kinds: [] } });
});

test('secrets in a served text file are redacted and counted', async ({ p, files }) => {
  await fs.writeFile(path.join(p.root, 'log.txt'), 'key AKIAIOSFODNN7EXAMPLE\ngh ghp_' + 'a'.repeat(36) + '\n');
  const got = await files.read('log.txt');
  assert.equal(got.content, 'key [REDACTED:aws_access_key]\ngh [REDACTED:github_token]\n');
  assert.deepEqual(got.redactions, { count: 2, kinds: ['aws_access_key', 'github_token'] });
});

test('a never-share file is served when the customer overrides for that file', async ({ files }) => {
  const err = await refusal(files, '.env');
  assert.equal(err.data.reason, 'never_share');
  assert.match(err.message, /environment file/);
  const got = await files.read('.env', { overrideNeverShare: true });
  assert.equal(got.content, 'DB_PASSWORD=[REDACTED:secret_assignment]\n');
});

test('a file under the size cap is served, the same file over it is refused', async ({ files }) => {
  assert.equal((await files.read('big.txt', { maxBytes: 4 * CAP })).size, 2 * CAP);
  assert.equal((await refusal(files, 'big.txt', { maxBytes: CAP })).data.reason, 'too_large');
});

test("CodeVF's credentials folder is refused even with an override", async ({ p }) => {
  const creds = path.join(p.root, 'xdg/codevf');
  await fs.mkdir(creds, { recursive: true });
  await fs.writeFile(path.join(creds, 'tokens.txt'), 'cvf_x\n');
  const saved = process.env.XDG_CONFIG_HOME;
  process.env.XDG_CONFIG_HOME = path.join(p.root, 'xdg');
  try {
    const files = await ProjectFiles.open(p.root);
    const err = await refusal(files, 'xdg/codevf/tokens.txt', { overrideNeverShare: true });
    assert.equal(err.data.reason, 'never_share');
  } finally {
    if (saved === undefined) delete process.env.XDG_CONFIG_HOME; else process.env.XDG_CONFIG_HOME = saved;
  }
});

test('a sibling folder whose name extends the root is outside (no string-prefix containment)', async ({ p }) => {
  const files = await ProjectFiles.open(p.root);
  await fs.symlink(path.join(p.base, 'root-evil/secret.txt'), path.join(p.root, 'direct-evil'));
  assert.equal((await refusal(files, 'direct-evil')).data.reason, 'path_outside_project');
});

test.run();
