// `.codevf/config.json` and project detection, shared by the agent, front ends and the backend.
import * as z from 'zod';
import { Id } from './backend/define.js';

export const PROJECT_CONFIG_DIR = '.codevf';
export const PROJECT_CONFIG_FILE = 'config.json';
export const PROJECT_CONFIG_VERSION = '1';

export const ProjectType = z.enum(['node', 'python', 'go', 'rust', 'maven', 'gradle', 'ruby', 'php', 'dotnet', 'unknown'])
  .describe('Project type detected from marker files (package.json, go.mod, Cargo.toml, ...).');
export type ProjectType = z.infer<typeof ProjectType>;

export const PackageManager = z.enum([
  'npm', 'pnpm', 'yarn', 'bun', 'pip', 'poetry', 'uv', 'go', 'cargo', 'maven', 'gradle', 'bundler', 'composer', 'dotnet',
]).describe('Tool that installs dependencies and runs scripts for this project.');
export type PackageManager = z.infer<typeof PackageManager>;

export const AiTool = z.enum(['claude', 'gemini', 'gpt', 'opencode', 'qwen', 'goose']).describe('A known AI coding agent (spoken to over ACP).');
/** A known tool, or one the user added in their own ai-agents.json. */
export const AllowedTool = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a tool name (letters, digits, . _ -)')
  .describe('An AI tool allowed on this project: a known one or one added in the user\'s ai-agents.json.');
export const TaskMode = z.enum(['human', 'ai', 'hybrid'])
  .describe('`human`: an engineer from the start; `ai`: an AI agent only; `hybrid`: an AI agent first, an engineer on hand-off.');

export const ProjectDetection = z.object({
  type: ProjectType,
  packageManager: PackageManager.nullable(),
  testCommand: z.string().nullable().describe('Default test command; null when none could be guessed.'),
  buildCommand: z.string().nullable().describe('Default build command; null when none could be guessed.'),
  markers: z.array(z.string()).describe('Files that decided the type, relative to the project root.'),
  otherTypes: z.array(ProjectType).describe('Further types found in the same folder (monorepos).'),
});
export type ProjectDetection = z.infer<typeof ProjectDetection>;

/** `.codevf/config.json`. Unknown keys are kept so that a newer agent's fields survive a rewrite. */
export const ProjectConfig = z.looseObject({
  projectId: Id.describe('Assigned by the backend when the project is registered.'),
  allowedTools: z.array(AllowedTool).describe('AI tools allowed on this project (AI and hybrid modes start only these); empty for none.'),
  mode: TaskMode.optional().describe('Default mode of `createTask` in this project; `human` when unset.'),
  ai: z.object({
    maxTurns: z.number().int().min(1).max(1000).optional().describe('Hand off to a human after this many AI turns (hybrid).'),
    maxMinutes: z.number().min(0.01).max(24 * 60).optional().describe('Hand off to a human after this many minutes of AI session (hybrid).'),
  }).optional(),
  testCommand: z.string().nullable(),
  buildCommand: z.string().nullable(),
  repoUploaded: z.boolean().describe('Customer agreed to upload snapshots of the code.'),
  branchMode: z.enum(['codevf', 'any']).describe('`codevf`: engineers see only the `codevf` branch.'),
  createdAt: z.iso.datetime().describe('When `codevf init` first wrote this file (ISO 8601).'),
  version: z.literal(PROJECT_CONFIG_VERSION),
});
export type ProjectConfig = z.infer<typeof ProjectConfig>;
