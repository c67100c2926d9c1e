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

export const AiTool = z.enum(['claude', 'gemini', 'gpt']).describe('An AI tool the engineer may use on this project.');

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
  allowedTools: z.array(AiTool).describe('AI tools the engineer may use; empty for none.'),
  testCommand: z.string().nullable(),
  buildCommand: z.string().nullable(),
  repoUploaded: z.boolean().describe('Customer agreed to upload snapshots of the code.'),
  branchMode: z.enum(['codevf', 'any']).describe('`codevf`: engineers see only the `codevf` branch.'),
  createdAt: z.iso.datetime().describe('When `codevf init` first wrote this file (ISO 8601).'),
  version: z.literal(PROJECT_CONFIG_VERSION),
});
export type ProjectConfig = z.infer<typeof ProjectConfig>;
