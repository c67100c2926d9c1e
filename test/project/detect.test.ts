import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectProject } from '../../agent/project/detect.js';
import { rejection, tempDirs } from './helpers.js';

const tmp = tempDirs('codevf-detect-');
test.after(tmp.cleanup);
async function project(files: Record<string, string>): Promise<string> {
  const dir = await tmp.make();
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

const pkg = (scripts: Record<string, string>) => JSON.stringify({ name: 'x', scripts });

const cases: Array<[string, Record<string, string>, object]> = [
  ['npm with test and build scripts', { 'package.json': pkg({ test: 'uvu', build: 'tsc' }), 'package-lock.json': '{}' },
    { type: 'node', packageManager: 'npm', testCommand: 'npm test', buildCommand: 'npm run build', markers: ['package.json', 'package-lock.json'] }],
  ['pnpm from its lockfile', { 'package.json': pkg({ test: 'vitest', build: 'vite build' }), 'pnpm-lock.yaml': '' },
    { type: 'node', packageManager: 'pnpm', testCommand: 'pnpm test', buildCommand: 'pnpm build', markers: ['package.json', 'pnpm-lock.yaml'] }],
  ['yarn from its lockfile', { 'package.json': pkg({ test: 'jest' }), 'yarn.lock': '' },
    { type: 'node', packageManager: 'yarn', testCommand: 'yarn test', buildCommand: null, markers: ['package.json', 'yarn.lock'] }],
  ["npm's placeholder test script is no test command", { 'package.json': pkg({ test: 'echo "Error: no test specified" && exit 1' }) },
    { type: 'node', packageManager: 'npm', testCommand: null, buildCommand: null, markers: ['package.json'] }],
  ['pip from requirements.txt', { 'requirements.txt': 'flask\n' },
    { type: 'python', packageManager: 'pip', testCommand: 'python -m pytest', buildCommand: null, markers: ['requirements.txt'] }],
  ['poetry from pyproject [tool.poetry]', { 'pyproject.toml': '[tool.poetry]\nname = "x"\n' },
    { type: 'python', packageManager: 'poetry', testCommand: 'poetry run pytest', buildCommand: 'poetry build', markers: ['pyproject.toml'] }],
  ['uv from uv.lock', { 'pyproject.toml': '[project]\nname = "x"\n', 'uv.lock': '' },
    { type: 'python', packageManager: 'uv', testCommand: 'uv run pytest', buildCommand: 'uv build', markers: ['uv.lock'] }],
  ['Go from go.mod', { 'go.mod': 'module x\n' },
    { type: 'go', packageManager: 'go', testCommand: 'go test ./...', buildCommand: 'go build ./...', markers: ['go.mod'] }],
  ['Rust from Cargo.toml', { 'Cargo.toml': '[package]\n' },
    { type: 'rust', packageManager: 'cargo', testCommand: 'cargo test', buildCommand: 'cargo build', markers: ['Cargo.toml'] }],
  ['Maven prefers its wrapper', { 'pom.xml': '<project/>', mvnw: '' },
    { type: 'maven', packageManager: 'maven', testCommand: './mvnw test', buildCommand: './mvnw package', markers: ['pom.xml'] }],
  ['Gradle without a wrapper', { 'build.gradle.kts': '' },
    { type: 'gradle', packageManager: 'gradle', testCommand: 'gradle test', buildCommand: 'gradle build', markers: ['build.gradle.kts'] }],
  ['Ruby with rspec', { Gemfile: '', '.rspec': '' },
    { type: 'ruby', packageManager: 'bundler', testCommand: 'bundle exec rspec', buildCommand: null, markers: ['Gemfile'] }],
  ['PHP with a composer test script', { 'composer.json': JSON.stringify({ scripts: { test: 'phpunit' } }) },
    { type: 'php', packageManager: 'composer', testCommand: 'composer test', buildCommand: null, markers: ['composer.json'] }],
  ['.NET from a solution file', { 'App.sln': '', 'App.csproj': '' },
    { type: 'dotnet', packageManager: 'dotnet', testCommand: 'dotnet test', buildCommand: 'dotnet build', markers: ['App.csproj', 'App.sln'] }],
  ['unknown with a Makefile test target', { Makefile: 'all:\n\tcc x.c\ntest:\n\t./t\n' },
    { type: 'unknown', packageManager: null, testCommand: 'make test', buildCommand: 'make', markers: ['Makefile'] }],
  ['unknown and empty proposes no commands', { 'README.md': '# hi' },
    { type: 'unknown', packageManager: null, testCommand: null, buildCommand: null, markers: [] }],
];

for (const [name, files, expected] of cases) {
  test(`detects ${name}`, async () => {
    assert.equal(await detectProject(await project(files)), { ...expected, otherTypes: [] });
  });
}

test('a Go repo with a tooling-only package.json is Go, node listed as another type', async () => {
  const d = await detectProject(await project({ 'go.mod': 'module x\n', 'package.json': pkg({ lint: 'eslint' }) }));
  assert.is(d.type, 'go');
  assert.equal(d.otherTypes, ['node']);
});

test('a package.json with a real test script wins over another marker', async () => {
  const d = await detectProject(await project({ 'requirements.txt': '', 'package.json': pkg({ test: 'jest' }) }));
  assert.is(d.type, 'node');
  assert.equal(d.otherTypes, ['python']);
});

test('a broken package.json still detects node without commands', async () => {
  const d = await detectProject(await project({ 'package.json': '{ nope' }));
  assert.equal([d.type, d.testCommand, d.buildCommand], ['node', null, null]);
});

test('a folder that does not exist is folder_unreadable', async () => {
  const err = await rejection(detectProject(join(tmpdir(), `codevf-missing-${process.pid}`)));
  assert.is(err.data.reason, 'folder_unreadable');
});

test.run();
