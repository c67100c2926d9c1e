// Repository snapshot upload: the body is streamed to a temporary file while hashing it, never buffered;
// over the limit the upload stops with 413, a digest that differs from the header is a 400.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SNAPSHOT_SHA256_HEADER } from '../../protocol/backend/index.js';
import type { Store } from '../db.js';
import { ApiError } from '../errors.js';
import { tooLarge } from '../http/body.js';
import { iso, newId } from '../util.js';

interface Row { id: string; project_id: string; size: number; sha256: string; received_at: number }
const view = (r: Row) => ({ snapshotId: r.id, projectId: r.project_id, size: r.size, sha256: r.sha256, receivedAt: iso(r.received_at) });

export class Snapshots {
  constructor(private store: Store, private dataDir: string, private maxBytes: number, private maxPerAccount: number) {}

  /** The most this account may still upload: the per-upload limit, or what is left of its quota. */
  private room(userId: string): { bytes: number; error: () => ApiError } {
    const { used } = this.store.stmt(`SELECT COALESCE(SUM(s.size), 0) AS used FROM snapshots s JOIN projects p ON p.id = s.project_id
      WHERE p.user_id = ?`).get(userId) as { used: number };
    const left = Math.max(0, this.maxPerAccount - used);
    if (left >= this.maxBytes) return { bytes: this.maxBytes, error: () => tooLarge(this.maxBytes) };
    return { bytes: left, error: () => new ApiError(413, 'snapshot_quota_exceeded',
      `This account's snapshots would pass ${this.maxPerAccount >> 20} MB; ${left} bytes are left.`) };
  }

  async receive(req: IncomingMessage, userId: string, projectId: string) {
    // The digest comes as a header, or as a trailer when the client zips straight into the upload.
    const missing = () => new ApiError(400, 'checksum_missing',
      `Send the SHA-256 of the body, hex, in the ${SNAPSHOT_SHA256_HEADER} header or trailer (declared in \`Trailer\`).`);
    const inHeader = String(req.headers[SNAPSHOT_SHA256_HEADER] ?? '').toLowerCase();
    const inTrailer = String(req.headers.trailer ?? '').toLowerCase().split(',').map((s) => s.trim()).includes(SNAPSHOT_SHA256_HEADER);
    if (!/^[0-9a-f]{64}$/.test(inHeader) && !inTrailer) throw missing();
    const room = this.room(userId);
    if (Number(req.headers['content-length'] ?? 0) > room.bytes) throw room.error();
    const dir = join(this.dataDir, 'snapshots', projectId);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.upload-${newId('tmp')}`);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        size += chunk.length;
        if (size > room.bytes) return cb(room.error());
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(req, meter, createWriteStream(tmp, { highWaterMark: 1 << 20 }));
    } catch (e) {
      await rm(tmp, { force: true });
      throw e instanceof ApiError ? e : new ApiError(400, 'upload_aborted', 'The upload ended early; send it again.');
    }
    const got = hash.digest('hex');
    const want = inHeader || String(req.trailers[SNAPSHOT_SHA256_HEADER] ?? '').toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(want)) { await rm(tmp, { force: true }); throw missing(); }
    if (got !== want) {
      await rm(tmp, { force: true });
      throw new ApiError(400, 'checksum_mismatch', `The body's SHA-256 is ${got}, not ${want}; the upload was damaged, send it again.`);
    }
    return this.persist(projectId, tmp, join(dir, `${got}.zip`), size, got);
  }

  private async persist(projectId: string, tmp: string, final: string, size: number, sha: string) {
    const existing = this.store.stmt('SELECT * FROM snapshots WHERE project_id = ? AND sha256 = ?').get(projectId, sha) as Row | undefined;
    if (existing) {
      await rm(tmp, { force: true });
      return view(existing);
    }
    await rename(tmp, final);
    const id = newId('snp');
    this.store.stmt('INSERT INTO snapshots (id, project_id, size, sha256, path, received_at) VALUES (?,?,?,?,?,?)')
      .run(id, projectId, size, sha, final, Date.now());
    return view(this.store.stmt('SELECT * FROM snapshots WHERE id = ?').get(id) as Row);
  }

  /** The stored zip of a snapshot of this project, or 404. */
  file(projectId: string, snapshotId: string): { path: string; size: number; sha256: string } {
    const r = this.store.stmt('SELECT path, size, sha256 FROM snapshots WHERE id = ? AND project_id = ?').get(snapshotId, projectId) as
      { path: string; size: number; sha256: string } | undefined;
    if (!r) throw new ApiError(404, 'not_found', `Snapshot ${snapshotId} not found`);
    return r;
  }

  owned(projectId: string, snapshotId: string): boolean {
    return Boolean(this.store.stmt('SELECT 1 FROM snapshots WHERE id = ? AND project_id = ?').get(snapshotId, projectId));
  }
}
