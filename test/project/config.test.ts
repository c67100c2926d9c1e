import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  configPath, findProjectRoot, initProject, loadProject, readProjectConfig, writeProjectConfig,
} from '../../agent/project/config.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ProjectConfig } from '../../protocol/project.js';
import { rejection, tempDirs } from './helpers.js';

const tmp = tempDirs('codevf-config-');
const tempDir = tmp.make;
test.after(tmp.cleanup);

const valid: ProjectConfig = {
  projectId: 'prj_123', allowedTools: ['claude'], testCommand: 'npm test', buildCommand: null,
  repoUploaded: false, branchMode: 'codevf', createdAt: '2026-11-23T10:00:00.000Z', version: '1',
};

let registered = 0;
const register = async () => { registered++; return `prj_${registered}`; };

test('missing config is NoProject telling to run codevf init', async () => {
  const err = await rejection(loadProject(await tempDir()));
  assert.equal(err.toJSON(), {
    code: ErrorCode.NoProject, message: 'No CodeVF project found. Please run: codevf init',
    data: { reason: 'no_project', retryable: false },
  });
});

test('the project root is found by walking up from a subfolder', async () => {
  const root = await tempDir();
  await writeProjectConfig(root, valid);
  await mkdir(join(root, 'src', 'deep'), { recursive: true });
  assert.is(await findProjectRoot(join(root, 'src', 'deep')), root);
  assert.equal(await loadProject(join(root, 'src', 'deep')), { root, config: valid });
});

test('an invalid field is InvalidConfig naming the field', async () => {
  const root = await tempDir();
  await mkdir(join(root, '.codevf'));
  await writeFile(configPath(root), JSON.stringify({ ...valid, allowedTools: ['claude', 'sky net'] }));
  const err = await rejection(readProjectConfig(root));
  assert.is(err.code, ErrorCode.InvalidConfig);
  assert.is(err.data.reason, 'invalid_config');
  assert.is(err.data.field, 'allowedTools[1]');
  assert.match(err.message, /allowedTools\[1\]/);
});

test('invalid JSON is InvalidConfig', async () => {
  const root = await tempDir();
  await mkdir(join(root, '.codevf'));
  await writeFile(configPath(root), '{"projectId": ');
  const err = await rejection(readProjectConfig(root));
  assert.equal([err.code, err.data.field], [ErrorCode.InvalidConfig, null]);
  assert.match(err.message, /not valid JSON/);
});

test('a wrong version is named as the bad field', async () => {
  const root = await tempDir();
  await writeProjectConfig(root, valid);
  await writeFile(configPath(root), JSON.stringify({ ...valid, version: '2' }));
  assert.is((await rejection(readProjectConfig(root))).data.field, 'version');
});

test('init writes the spec shape with detected commands and registers once', async () => {
  const root = await tempDir();
  await writeFile(join(root, 'go.mod'), 'module x\n');
  const before = registered;
  const r = await initProject(root, { allowedTools: ['gemini'] }, { register, now: () => new Date('2026-11-23T10:00:00Z') });
  assert.is(registered, before + 1);
  assert.is(r.created, true);
  assert.equal(JSON.parse(await readFile(configPath(root), 'utf8')), {
    projectId: `prj_${before + 1}`, allowedTools: ['gemini'], testCommand: 'go test ./...', buildCommand: 'go build ./...',
    repoUploaded: false, branchMode: 'codevf', createdAt: '2026-11-23T10:00:00.000Z', version: '1',
  });
});

test('init twice keeps projectId and createdAt and applies new answers', async () => {
  const root = await tempDir();
  const first = await initProject(root, {}, { register, now: () => new Date('2026-01-01T00:00:00Z') });
  const before = registered;
  const second = await initProject(root, { repoUploaded: true }, { register, now: () => new Date('2027-01-01T00:00:00Z') });
  assert.is(registered, before, 'no second registration');
  assert.is(second.created, false);
  assert.equal(second.config, { ...first.config, repoUploaded: true });
  assert.equal(await readProjectConfig(root), second.config);
});

test('init from a subfolder reuses the enclosing project', async () => {
  const root = await tempDir();
  const first = await initProject(root, {}, { register });
  await mkdir(join(root, 'pkg'));
  const second = await initProject(join(root, 'pkg'), {}, { register });
  assert.equal([second.root, second.config.projectId], [root, first.config.projectId]);
});

test('init never overwrites an invalid config', async () => {
  const root = await tempDir();
  await mkdir(join(root, '.codevf'));
  const broken = JSON.stringify({ ...valid, branchMode: 'all-branches' });
  await writeFile(configPath(root), broken);
  const before = registered;
  const err = await rejection(initProject(root, {}, { register }));
  assert.equal([err.code, err.data.field], [ErrorCode.InvalidConfig, 'branchMode']);
  assert.is(await readFile(configPath(root), 'utf8'), broken);
  assert.is(registered, before);
});

test('unknown keys survive a rewrite and no temp files are left behind', async () => {
  const root = await tempDir();
  await writeProjectConfig(root, valid);
  await writeFile(configPath(root), JSON.stringify({ ...valid, futureField: 42 }));
  await initProject(root, { testCommand: 'make check' }, { register });
  const saved = JSON.parse(await readFile(configPath(root), 'utf8'));
  assert.equal([saved.futureField, saved.testCommand], [42, 'make check']);
  assert.equal((await readdir(join(root, '.codevf'))).sort(), ['.gitignore', 'config.json']); // state files are ignored, config.json is not
});

test.run();
