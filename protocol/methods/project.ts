// Which project: detection, `init` (.codevf/config.json + registration), `sync` (git state), snapshot upload.
import * as z from 'zod';
import { defineRequest } from '../define.js';
import { AllowedTool, ProjectConfig, ProjectDetection } from '../project.js';

const Cwd = z.string().optional().describe("Folder to act in; default: the agent's working folder.");
const WorkDoneToken = z.union([z.string(), z.number()]).optional().describe('Token for `$/progress` notifications.');
const detectionExample = { type: 'node' as const, packageManager: 'npm' as const, testCommand: 'npm test', buildCommand: 'npm run build', markers: ['package.json'], otherTypes: [] };
const configExample = { projectId: 'p_1', allowedTools: [], testCommand: 'npm test', buildCommand: 'npm run build', repoUploaded: false, branchMode: 'codevf' as const, createdAt: '2026-11-23T10:00:00.000Z', version: '1' as const };

export const DetectProject = defineRequest({
  method: 'detectProject',
  summary: 'Detects the project type and default test/build commands (for a wizard to show as defaults), and reads '
    + 'the current .codevf/config.json if there is one, so that a second `init` offers the previous answers.',
  params: z.object({ cwd: Cwd }),
  result: ProjectDetection.extend({
    config: ProjectConfig.nullable().optional().describe('The current project config of this folder (or above); null when none, or when it does not validate.'),
  }),
  examples: [{ params: {}, result: { ...detectionExample, config: null } }],
});

export const Init = defineRequest({
  method: 'init',
  summary: 'Writes .codevf/config.json and registers the project with the backend. Idempotent: a second run keeps '
    + 'projectId and createdAt. An existing config that does not validate is an error naming the field, never overwritten.',
  params: z.object({
    cwd: Cwd,
    name: z.string().min(1).optional().describe('Project name; default: the folder name.'),
    testCommand: z.string().nullable().optional(),
    buildCommand: z.string().nullable().optional(),
    allowedTools: z.array(AllowedTool).optional(),
    uploadCode: z.boolean().optional().describe('Customer agrees to snapshot uploads.'),
    branchMode: z.enum(['codevf', 'any']).optional(),
  }),
  result: z.object({ root: z.string(), created: z.boolean(), config: ProjectConfig, detection: ProjectDetection }),
  errors: ['invalid_config', 'auth_required', 'network_unreachable'],
  examples: [{ params: { testCommand: 'npm test' }, result: { root: '/home/me/app', created: true, config: configExample, detection: detectionExample } }],
});

export const Sync = defineRequest({
  method: 'sync',
  summary: "Records the `codevf` branch and HEAD commit with the backend. Refused on another branch, on a dirty tree "
    + '(unless `force`), outside a repository, with no commits, on a detached HEAD, or when HEAD holds a never-share file '
    + '(`never_share_tracked`, `data.files`; `force` does not override it): each its own error.',
  params: z.object({ cwd: Cwd, force: z.boolean().default(false) }),
  result: z.object({ branch: z.string(), headCommit: z.string(), dirty: z.boolean(), syncedAt: z.string() }),
  errors: ['no_project', 'not_a_git_repository', 'no_commits', 'detached_head', 'wrong_branch', 'dirty_tree', 'never_share_tracked'],
  examples: [{ params: {}, result: { branch: 'codevf', headCommit: '0123456789abcdef0123456789abcdef01234567', dirty: false, syncedAt: '2026-11-23T10:00:00.000Z' } }],
});

export const UploadSnapshot = defineRequest({
  method: 'uploadSnapshot',
  summary: 'Zips the files git would track (minus .codevfignore and the never-share list, each exclusion reported) '
    + 'and streams the zip to the backend, with `$/progress` and a checksum the backend verifies.',
  params: z.object({ cwd: Cwd, workDoneToken: WorkDoneToken }),
  result: z.object({
    snapshotId: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    files: z.number().int(),
    excluded: z.array(z.object({ path: z.string(), reason: z.string() })),
    redactions: z.array(z.object({ path: z.string(), count: z.number().int(), kinds: z.array(z.string()) }))
      .describe('Files whose secrets were masked in the zip (security.md section 5), with what kinds.'),
  }),
  errors: ['no_project', 'upload_not_allowed', 'too_large'],
  examples: [{ params: {}, result: { snapshotId: 's_1', size: 123456, sha256: 'ab'.repeat(32), files: 42, excluded: [{ path: '.env', reason: 'environment secrets (.env)' }], redactions: [{ path: 'src/config.js', count: 1, kinds: ['aws_access_key_id'] }] } }],
});

export const projectRequests = [DetectProject, Init, Sync, UploadSnapshot] as const;
