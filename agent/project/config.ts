// `.codevf/config.json`: find it by walking up, read and validate it, write it atomically, and `init`.
import { lstat, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type * as z from 'zod';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import {
  PROJECT_CONFIG_DIR, PROJECT_CONFIG_FILE, PROJECT_CONFIG_VERSION, ProjectConfig, type ProjectDetection,
} from '../../protocol/project.js';
import { readOwnFile, writeOwnFile } from './own-dir.js';
import { detectProject } from './detect.js';

const REL_PATH = `${PROJECT_CONFIG_DIR}/${PROJECT_CONFIG_FILE}`;

export function configPath(root: string): string {
  return join(root, PROJECT_CONFIG_DIR, PROJECT_CONFIG_FILE);
}

export function noProjectError(): RpcError {
  return new RpcError(ErrorCode.NoProject, 'No CodeVF project found. Please run: codevf init', 'no_project');
}

/** `.codevf/config.json` is there (a link counts: reading it then refuses it by name). */
async function hasConfig(dir: string): Promise<boolean> {
  try { await lstat(configPath(dir)); return true; } catch { return false; }
}

/**
 * The nearest folder at or above `start` holding `.codevf/config.json` (valid or not), or null. The search
 * stops at $HOME, at a folder owned by another user, and at a file-system boundary: a parent planted by
 * someone else (a shared /tmp, another user's checkout) never becomes the project.
 */
export async function findProjectRoot(start: string, home = homedir()): Promise<string | null> {
  const from = resolve(start);
  const me = process.getuid?.() ?? null;
  let dir = from;
  let dev: number | null = null;
  for (;;) {
    const st = await stat(dir).catch(() => null);
    if (!st || (me !== null && st.uid !== me) || (dev !== null && st.dev !== dev)) return null;
    // $HOME is a project only when the search starts there: a stray ~/.codevf does not swallow every folder.
    if (dir === resolve(home) && dir !== from) return null;
    dev = st.dev;
    if (await hasConfig(dir)) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** `allowedTools[1]`, `createdAt`: the field as a user would look for it in the file. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || '(root)';
}

function invalidConfig(file: string, problem: string, field: string | null): RpcError {
  return new RpcError(ErrorCode.InvalidConfig,
    `${REL_PATH} is invalid: ${problem}. Fix it, or delete the file and run: codevf init`,
    'invalid_config', { field, path: file });
}

/** Validates a parsed config; the error names the first bad field. */
export function parseProjectConfig(raw: unknown, file: string): ProjectConfig {
  const r = ProjectConfig.safeParse(raw);
  if (r.success) return r.data;
  const issue: z.core.$ZodIssue = r.error.issues[0];
  const field = fieldName(issue.path);
  throw invalidConfig(file, `field "${field}": ${issue.message}`, field);
}

/** Reads `<root>/.codevf/config.json`: NoProject when absent, InvalidConfig when it does not validate. */
export async function readProjectConfig(root: string): Promise<ProjectConfig> {
  const file = configPath(root);
  let text: string | null;
  try {
    text = await readOwnFile(root, PROJECT_CONFIG_FILE);
  } catch (err) {
    if (err instanceof RpcError) throw err; // a link or another user's file, named
    throw invalidConfig(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, null);
  }
  if (text === null) throw noProjectError();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalidConfig(file, 'not valid JSON', null);
  }
  return parseProjectConfig(raw, file);
}

/** The project containing `cwd`: its root and validated config. */
export async function loadProject(cwd: string): Promise<{ root: string; config: ProjectConfig }> {
  const root = await findProjectRoot(cwd);
  if (!root) throw noProjectError();
  return { root, config: await readProjectConfig(root) };
}

export async function writeProjectConfig(root: string, config: ProjectConfig): Promise<void> {
  const valid = parseProjectConfig(config, configPath(root));
  await writeOwnFile(root, PROJECT_CONFIG_FILE, JSON.stringify(valid, null, 2) + '\n');
}

/** What the customer chose in the init wizard; anything left out keeps its current or default value. */
export interface InitAnswers {
  allowedTools?: ProjectConfig['allowedTools'];
  testCommand?: string | null;
  buildCommand?: string | null;
  repoUploaded?: boolean;
  branchMode?: ProjectConfig['branchMode'];
}

/** The settings a new project is registered with. */
export type InitSettings = Pick<ProjectConfig, 'allowedTools' | 'testCommand' | 'buildCommand' | 'repoUploaded' | 'branchMode'>;

export interface InitOptions {
  /** Registers a new project with the backend and returns its id; called only when no config exists yet. */
  register: (settings: InitSettings, detection: ProjectDetection) => Promise<string>;
  now?: () => Date;
}

export interface InitResult {
  root: string;
  config: ProjectConfig;
  detection: ProjectDetection;
  created: boolean;
}

/** Idempotent: a second run keeps projectId and createdAt and only applies new answers. */
export async function initProject(dir: string, answers: InitAnswers, opts: InitOptions): Promise<InitResult> {
  // Reuse an enclosing project rather than nesting a second one inside it.
  const root = await findProjectRoot(dir) ?? resolve(dir);
  const existing = await readProjectConfig(root).catch((err) => {
    if (err instanceof RpcError && err.code === ErrorCode.NoProject) return null;
    throw err; // an invalid config is never overwritten
  });
  const detection = await detectProject(root);
  const defined = Object.fromEntries(Object.entries(answers).filter(([, v]) => v !== undefined)) as InitAnswers;
  if (existing) {
    const config = parseProjectConfig({ ...existing, ...defined }, configPath(root));
    if (JSON.stringify(config) !== JSON.stringify(existing)) await writeProjectConfig(root, config);
    return { root, config, detection, created: false };
  }
  const settings = {
    allowedTools: [], testCommand: detection.testCommand, buildCommand: detection.buildCommand,
    repoUploaded: false, branchMode: 'codevf' as const, ...defined,
  };
  const projectId = await opts.register(settings, detection);
  const config = parseProjectConfig({
    projectId, ...settings, createdAt: (opts.now?.() ?? new Date()).toISOString(), version: PROJECT_CONFIG_VERSION,
  }, configPath(root));
  await writeProjectConfig(root, config);
  return { root, config, detection, created: true };
}
