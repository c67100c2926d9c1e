// Detects a project's type from its marker files and proposes default test and build commands.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import type { PackageManager, ProjectDetection, ProjectType } from '../../protocol/project.js';

type Found = Omit<ProjectDetection, 'otherTypes'>;
type Detector = (dir: string, files: Set<string>) => Promise<Found | null>;

// npm's placeholder `test` script fails on purpose: it is no test command.
const NPM_PLACEHOLDER_TEST = /no test specified/;

async function readText(path: string): Promise<string | null> {
  try { return await readFile(path, 'utf8'); } catch { return null; }
}

async function readJson(path: string): Promise<Record<string, unknown> | null> {
  const text = await readText(path);
  if (text === null) return null;
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' ? v as Record<string, unknown> : null;
  } catch { return null; }
}

function found(type: ProjectType, packageManager: PackageManager | null, testCommand: string | null,
  buildCommand: string | null, markers: string[]): Found {
  return { type, packageManager, testCommand, buildCommand, markers };
}

function nodeManager(files: Set<string>, pkg: Record<string, unknown>): { pm: PackageManager; lock?: string } {
  if (files.has('pnpm-lock.yaml')) return { pm: 'pnpm', lock: 'pnpm-lock.yaml' };
  if (files.has('yarn.lock')) return { pm: 'yarn', lock: 'yarn.lock' };
  if (files.has('bun.lockb')) return { pm: 'bun', lock: 'bun.lockb' };
  if (files.has('bun.lock')) return { pm: 'bun', lock: 'bun.lock' };
  if (files.has('package-lock.json')) return { pm: 'npm', lock: 'package-lock.json' };
  // Corepack's `packageManager` field ("pnpm@9.1.0") decides when there is no lockfile yet.
  const declared = typeof pkg.packageManager === 'string' ? pkg.packageManager.split('@')[0] : '';
  if (declared === 'pnpm' || declared === 'yarn' || declared === 'bun') return { pm: declared };
  return { pm: 'npm' };
}

const detectNode: Detector = async (dir, files) => {
  if (!files.has('package.json')) return null;
  const pkg = await readJson(join(dir, 'package.json')) ?? {};
  const scripts = (pkg.scripts && typeof pkg.scripts === 'object' ? pkg.scripts : {}) as Record<string, unknown>;
  const { pm, lock } = nodeManager(files, pkg);
  const hasTest = typeof scripts.test === 'string' && !NPM_PLACEHOLDER_TEST.test(scripts.test);
  const hasBuild = typeof scripts.build === 'string';
  const run = pm === 'npm' || pm === 'bun' ? `${pm} run` : pm;
  return found('node', pm, hasTest ? `${pm} test` : null, hasBuild ? `${run} build` : null,
    lock ? ['package.json', lock] : ['package.json']);
};

const detectPython: Detector = async (dir, files) => {
  const pyproject = files.has('pyproject.toml') ? await readText(join(dir, 'pyproject.toml')) ?? '' : null;
  if (files.has('uv.lock')) return found('python', 'uv', 'uv run pytest', 'uv build', ['uv.lock']);
  if (files.has('poetry.lock') || /^\[tool\.poetry\]/m.test(pyproject ?? '')) {
    return found('python', 'poetry', 'poetry run pytest', 'poetry build', [files.has('poetry.lock') ? 'poetry.lock' : 'pyproject.toml']);
  }
  const markers = ['pyproject.toml', 'setup.py', 'setup.cfg', 'requirements.txt', 'Pipfile'].filter((f) => files.has(f));
  if (!markers.length) return null;
  // Only a packaged project (pyproject/setup.py) has something to build.
  const packaged = pyproject !== null || files.has('setup.py');
  return found('python', 'pip', 'python -m pytest', packaged ? 'python -m build' : null, markers);
};

const detectGo: Detector = async (_dir, files) =>
  files.has('go.mod') ? found('go', 'go', 'go test ./...', 'go build ./...', ['go.mod']) : null;

const detectRust: Detector = async (_dir, files) =>
  files.has('Cargo.toml') ? found('rust', 'cargo', 'cargo test', 'cargo build', ['Cargo.toml']) : null;

const detectMaven: Detector = async (_dir, files) => {
  if (!files.has('pom.xml')) return null;
  const mvn = files.has('mvnw') ? './mvnw' : 'mvn';
  return found('maven', 'maven', `${mvn} test`, `${mvn} package`, ['pom.xml']);
};

const detectGradle: Detector = async (_dir, files) => {
  const markers = ['build.gradle.kts', 'build.gradle', 'settings.gradle.kts', 'settings.gradle'].filter((f) => files.has(f));
  if (!markers.length) return null;
  const gradle = files.has('gradlew') ? './gradlew' : 'gradle';
  return found('gradle', 'gradle', `${gradle} test`, `${gradle} build`, markers);
};

const detectRuby: Detector = async (_dir, files) => {
  if (!files.has('Gemfile')) return null;
  const rspec = files.has('.rspec') || files.has('spec');
  const gemspec = [...files].find((f) => f.endsWith('.gemspec'));
  return found('ruby', 'bundler', rspec ? 'bundle exec rspec' : 'bundle exec rake test',
    gemspec ? `gem build ${gemspec}` : null, ['Gemfile']);
};

const detectPhp: Detector = async (dir, files) => {
  if (!files.has('composer.json')) return null;
  const composer = await readJson(join(dir, 'composer.json')) ?? {};
  const scripts = (composer.scripts && typeof composer.scripts === 'object' ? composer.scripts : {}) as Record<string, unknown>;
  return found('php', 'composer', 'test' in scripts ? 'composer test' : 'vendor/bin/phpunit',
    'build' in scripts ? 'composer run build' : null, ['composer.json']);
};

const detectDotnet: Detector = async (_dir, files) => {
  const markers = [...files].filter((f) => /\.(sln|csproj|fsproj|vbproj)$/.test(f)).sort();
  return markers.length ? found('dotnet', 'dotnet', 'dotnet test', 'dotnet build', markers) : null;
};

// Order decides the primary type when several match: a JS front end in a Go repo is usually tooling.
const DETECTORS: Detector[] = [detectGo, detectRust, detectMaven, detectGradle, detectDotnet, detectPython,
  detectRuby, detectPhp, detectNode];

async function detectUnknown(dir: string, files: Set<string>): Promise<Found> {
  const makefile = files.has('Makefile') ? await readText(join(dir, 'Makefile')) : null;
  if (makefile === null) return found('unknown', null, null, null, []);
  const hasTest = /^test\s*:/m.test(makefile);
  return found('unknown', null, hasTest ? 'make test' : null, 'make', ['Makefile']);
}

/** Detects the project in `dir` (not its parents). Throws only when the folder cannot be listed. */
export async function detectProject(dir: string): Promise<ProjectDetection> {
  let files: Set<string>;
  try {
    files = new Set(await readdir(dir));
  } catch (err) {
    throw new RpcError(ErrorCode.InvalidParams,
      `Cannot read the folder ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`, 'folder_unreadable', { path: dir });
  }
  const hits: Found[] = [];
  for (const detect of DETECTORS) {
    const hit = await detect(dir, files);
    if (hit) hits.push(hit);
  }
  // package.json next to another marker is often only tooling (linters), unless it has a test script.
  const node = hits.find((h) => h.type === 'node');
  const primary = node?.testCommand ? node : hits[0];
  if (!primary) return { ...await detectUnknown(dir, files), otherTypes: [] };
  return { ...primary, otherTypes: hits.filter((h) => h !== primary).map((h) => h.type) };
}
