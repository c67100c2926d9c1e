// A hostile repository against the real agent: `.codevf` as a link, links and foreign files inside it, a parent
// folder owned by another user holding a project, an invalid config. Each is refused by name, nothing is
// written through it; a normal session leaves `.codevf` 0700, its files 0600, and the repository clean.
import { execFileSync } from 'node:child_process';
import { chown, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CreateTask, EndSession } from '../../protocol/methods/session.js';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { startAgent } from './harness.js';

const OTHER_UID = 12345;
let sb: Sandbox;
let home: string;
const dirs: string[] = [];
test.before(async () => { sb = await startSandbox(); home = await mkdtemp(join(tmpdir(), 'cvf-home-')); });
test.after(async () => {
  await sb?.stop();
  for (const d of [home, ...dirs]) await rm(d, { recursive: true, force: true });
});

const project = async () => { const d = await mkdtemp(join(tmpdir(), 'cvf-hostile-')); dirs.push(d); return d; };

/** createTask in `dir`: the error (reason, message, data) or null when a task was created (then ended). */
async function createIn(dir: string): Promise<{ reason: string; message: string; data: Record<string, unknown> } | null> {
  const agent = await startAgent(sb, dir, home);
  try {
    const t = await agent.request(CreateTask, { description: 'hostile repo' });
    await agent.request(EndSession, { taskId: t.taskId }).catch(() => undefined);
    return null;
  } catch (e) {
    const err = e as { message: string; data: { reason: string } & Record<string, unknown> };
    return { reason: err.data.reason, message: err.message, data: err.data };
  } finally {
    await agent.close();
  }
}

test('.codevf as a link to another folder is refused by name and nothing is written there', async () => {
  const dir = await project();
  const elsewhere = await project();
  await symlink(elsewhere, join(dir, '.codevf'));
  const err = await createIn(dir);
  assert.is(err?.reason, 'unsafe_codevf_path');
  assert.match(err!.message, `${dir}/.codevf`);
  assert.equal(await readdir(elsewhere), []);
});

test('.codevf/audit.jsonl linked to a file outside (a ~/.bashrc) is refused by name; the target is untouched', async () => {
  const dir = await project();
  const bashrc = join(await project(), '.bashrc');
  await writeFile(bashrc, 'export PS1=x\n');
  await mkdir(join(dir, '.codevf'));
  await symlink(bashrc, join(dir, '.codevf/audit.jsonl'));
  const err = await createIn(dir);
  assert.is(err?.reason, 'unsafe_codevf_path');
  assert.match(err!.message, '.codevf/audit.jsonl');
  assert.is(await readFile(bashrc, 'utf8'), 'export PS1=x\n');
  assert.equal(await readdir(join(dir, '.codevf')), ['audit.jsonl']);
});

test('a link as .codevf/session.json, or a file in .codevf owned by another user, is refused by name', async () => {
  const dir = await project();
  await mkdir(join(dir, '.codevf'));
  await symlink('/etc/hostname', join(dir, '.codevf/session.json'));
  assert.match((await createIn(dir))!.message, '.codevf/session.json');

  const other = await project();
  await mkdir(join(other, '.codevf'));
  await writeFile(join(other, '.codevf/audit.jsonl'), '');
  await chown(join(other, '.codevf/audit.jsonl'), OTHER_UID, OTHER_UID);
  const err = await createIn(other);
  assert.is(err?.reason, 'unsafe_codevf_path');
  assert.match(err!.message, `belongs to another user (uid ${OTHER_UID})`);
});

test('a .codevf folder owned by another user is refused', async () => {
  const dir = await project();
  await mkdir(join(dir, '.codevf'));
  await chown(join(dir, '.codevf'), OTHER_UID, OTHER_UID);
  const err = await createIn(dir);
  assert.is(err?.reason, 'unsafe_codevf_path');
  assert.equal(await readdir(join(dir, '.codevf')), []);
});

test('a parent folder owned by another user holding .codevf/config.json does not become the project root', async () => {
  const parent = await project();
  await mkdir(join(parent, '.codevf'));
  await writeFile(join(parent, '.codevf/config.json'), '{}');
  const child = join(parent, 'child');
  await mkdir(child);
  await chown(parent, OTHER_UID, OTHER_UID);
  assert.is(await createIn(child), null);
  assert.equal(await readdir(join(parent, '.codevf')), ['config.json'], 'nothing written in the other user\'s project');
  assert.ok((await readdir(join(child, '.codevf'))).includes('session.json'), 'the session lives in the folder itself');
});

test('an invalid config.json is an error naming the field, and no session starts', async () => {
  const dir = await project();
  await mkdir(join(dir, '.codevf'));
  await writeFile(join(dir, '.codevf/config.json'), JSON.stringify({ projectId: 5 }));
  const err = await createIn(dir);
  assert.is(err?.reason, 'invalid_config');
  assert.match(err!.message, 'field "projectId"');
  assert.equal(await readdir(join(dir, '.codevf')), ['config.json']);
});

test('a normal session: .codevf 0700, its files 0600, and the repository stays clean', async () => {
  const dir = await project();
  execFileSync('git', ['init', '-q', dir]);
  assert.is(await createIn(dir), null);
  const mode = async (p: string) => (await lstat(join(dir, p))).mode & 0o777;
  assert.is(await mode('.codevf'), 0o700);
  for (const f of await readdir(join(dir, '.codevf'))) assert.is(await mode(`.codevf/${f}`), 0o600, f);
  assert.ok((await readdir(join(dir, '.codevf'))).includes('audit.jsonl'));
  assert.is(execFileSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=all'], { encoding: 'utf8' }), '');
  await writeFile(join(dir, '.codevf/config.json'), '{}');
  assert.is(execFileSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=all'], { encoding: 'utf8' }), '?? .codevf/config.json\n');
});

test.run();
