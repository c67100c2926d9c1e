// Projects registered by `codevf init`, synced by `codevf sync`.
import type { z } from 'zod';
import type { ProjectInitRequest, ProjectSyncRequest } from '../../protocol/backend/index.js';
import type { Store } from '../db.js';
import { ApiError } from '../errors.js';
import { iso, isoOrNull, newId } from '../util.js';

interface Row {
  id: string; user_id: string; name: string; type: string; test_command: string | null; build_command: string | null;
  allowed_ai_tools: string; upload_code: number; codevf_branch_only: number; created_at: number;
  last_branch: string | null; last_head: string | null; last_sync_at: number | null;
}

export const CODEVF_BRANCH = 'codevf';

export class Projects {
  constructor(private store: Store) {}

  init(userId: string, b: z.output<typeof ProjectInitRequest>) {
    const id = newId('prj');
    this.store.stmt(`INSERT INTO projects (id, user_id, name, type, test_command, build_command, allowed_ai_tools,
      upload_code, codevf_branch_only, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)`).run(id, userId, b.name, b.type,
      b.testCommand ?? null, b.buildCommand ?? null, JSON.stringify(b.allowedAiTools), b.uploadCode ? 1 : 0,
      b.codevfBranchOnly ? 1 : 0, Date.now());
    return this.get(userId, id);
  }

  /** Owned project row or 404 (someone else's project is not revealed to exist). */
  row(userId: string, id: string): Row {
    const r = this.store.stmt('SELECT * FROM projects WHERE id = ?').get(id) as Row | undefined;
    if (!r || r.user_id !== userId) throw new ApiError(404, 'not_found', `Project ${id} not found; run \`codevf init\`.`);
    return r;
  }

  get(userId: string, id: string) {
    const r = this.row(userId, id);
    return {
      projectId: r.id, name: r.name, type: r.type, testCommand: r.test_command, buildCommand: r.build_command,
      allowedAiTools: JSON.parse(r.allowed_ai_tools) as string[], uploadCode: r.upload_code === 1,
      codevfBranchOnly: r.codevf_branch_only === 1, createdAt: iso(r.created_at),
      lastSync: r.last_branch && r.last_head ? { branch: r.last_branch, headCommit: r.last_head, syncedAt: isoOrNull(r.last_sync_at)! } : null,
    };
  }

  sync(userId: string, b: z.output<typeof ProjectSyncRequest>) {
    const r = this.row(userId, b.projectId);
    if (r.codevf_branch_only && b.branch !== CODEVF_BRANCH) {
      throw new ApiError(409, 'wrong_branch', `Engineers may only see the '${CODEVF_BRANCH}' branch: commit to it and sync again.`);
    }
    this.store.stmt('UPDATE projects SET last_branch = ?, last_head = ?, last_sync_at = ?, remote_url = ? WHERE id = ?')
      .run(b.branch, b.headCommit, Date.now(), b.remoteUrl ?? null, r.id);
    return this.get(userId, r.id);
  }
}
