// Files customers share into a task: content on disk under the data folder, metadata in SQLite.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { routes } from '../../protocol/backend/index.js';
import type { Store } from '../db.js';
import { ApiError } from '../errors.js';
import { newId, sha256 } from '../util.js';

export const MAX_FILE_BYTES = 10 * 1024 * 1024;

export class Files {
  private dir: string;

  constructor(private store: Store, dataDir: string, private maxPerAccount: number) {
    this.dir = join(dataDir, 'files');
    mkdirSync(this.dir, { recursive: true });
  }

  /** Stores the decoded content; call inside the transaction that records the event. */
  save(customerId: string, taskId: string, path: string, contentBase64: string) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(contentBase64)) throw new ApiError(400, 'invalid_body', 'body.contentBase64: not base64');
    const content = Buffer.from(contentBase64, 'base64');
    if (content.length > MAX_FILE_BYTES) {
      throw new ApiError(413, 'payload_too_large', `The file is over ${MAX_FILE_BYTES} bytes; share a smaller part of it.`);
    }
    const { used } = this.store.stmt(`SELECT COALESCE(SUM(f.size), 0) AS used FROM files f JOIN tasks t ON t.id = f.task_id
      WHERE t.customer_id = ?`).get(customerId) as { used: number };
    if (used + content.length > this.maxPerAccount) {
      throw new ApiError(413, 'file_quota_exceeded', `This account's shared files would pass ${this.maxPerAccount >> 20} MB; `
        + 'the engineer can ask for a smaller part.');
    }
    const id = newId('fil');
    const digest = sha256(content);
    writeFileSync(join(this.dir, id), content);
    this.store.stmt('INSERT INTO files (id, task_id, path, size, sha256, created_at) VALUES (?,?,?,?,?,?)')
      .run(id, taskId, path, content.length, digest, Date.now());
    return { fileId: id, path, size: content.length, sha256: digest, downloadPath: routes.engineer.file.path(taskId, id) };
  }

  read(taskId: string, fileId: string): { path: string; content: Buffer } {
    const r = this.store.stmt('SELECT path FROM files WHERE id = ? AND task_id = ?').get(fileId, taskId) as { path: string } | undefined;
    if (!r) throw new ApiError(404, 'not_found', `File ${fileId} not found in this task`);
    return { path: r.path, content: readFileSync(join(this.dir, fileId)) };
  }
}
