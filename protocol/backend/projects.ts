// Project registration, branch sync and repository snapshots.
import * as z from 'zod';
import { AllowedTool } from '../project.js';
import { endpoint, Id, Timestamp } from './define.js';

export const SNAPSHOT_SHA256_HEADER = 'x-content-sha256';

export const ProjectInitRequest = z.object({
  name: z.string().min(1).max(200),
  type: z.string().min(1).max(50).describe('Detected project type, e.g. `node`, `go`, `python`.'),
  testCommand: z.string().max(500).optional(),
  buildCommand: z.string().max(500).optional(),
  allowedAiTools: z.array(AllowedTool).max(50).default([]),
  uploadCode: z.boolean().default(false).describe('Customer agreed to upload snapshots.'),
  codevfBranchOnly: z.boolean().default(true).describe('Engineers see only the `codevf` branch.'),
});
export const Project = z.object({
  projectId: Id,
  name: z.string(),
  type: z.string(),
  testCommand: z.string().nullable(),
  buildCommand: z.string().nullable(),
  allowedAiTools: z.array(z.string()),
  uploadCode: z.boolean(),
  codevfBranchOnly: z.boolean(),
  createdAt: Timestamp,
  lastSync: z.object({ branch: z.string(), headCommit: z.string(), syncedAt: Timestamp }).nullable(),
});

export const ProjectSyncRequest = z.object({
  projectId: Id,
  branch: z.string().min(1).max(255),
  headCommit: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'must be a full hex commit hash'),
  remoteUrl: z.string().max(500).optional(),
});

export const Snapshot = z.object({
  snapshotId: Id,
  projectId: Id,
  size: z.number().int(),
  sha256: z.string(),
  receivedAt: Timestamp,
});

export const projectRoutes = {
  init: endpoint({ method: 'POST', pattern: '/api/cli/project/init', auth: 'customer', scope: 'projects', idempotency: 'optional',
    summary: 'Register a project.', body: ProjectInitRequest, response: Project }),
  sync: endpoint({ method: 'POST', pattern: '/api/cli/project/sync', auth: 'customer', scope: 'projects',
    summary: 'Record the branch and HEAD engineers may access.', body: ProjectSyncRequest, response: Project }),
  get: endpoint({ method: 'GET', pattern: '/api/cli/project/:projectId', auth: 'customer', scope: 'projects',
    summary: 'One project.', response: Project }),
  /** Raw zip body, streamed; `?projectId=`; header or trailer `X-Content-SHA256` holds the hex digest. */
  uploadSnapshot: endpoint({ method: 'POST', pattern: '/api/cli/upload-repo-snapshot', auth: 'customer', scope: 'projects',
    summary: 'Upload a zip snapshot (raw body, `?projectId=`, SHA-256 in the `X-Content-SHA256` header or trailer).', response: Snapshot }),
};
