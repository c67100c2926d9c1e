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
  constructor(private store: Store, private dataDir: string, private maxBytes: number) {}

  async receive(req: IncomingMessage, projectId: string) {
    // The digest comes as a header, or as a trailer when the client zips straight into the upload.
    const missing = () => new ApiError(400, 'checksum_missing',
      `Send the SHA-256 of the body, hex, in the ${SNAPSHOT_SHA256_HEADER} header or trailer (declared in \`Trailer\`).`);
    const inHeader = String(req.headers[SNAPSHOT_SHA256_HEADER] ?? '').toLowerCase();
    const inTrailer = String(req.headers.trailer ?? '').toLowerCase().split(',').map((s) => s.trim()).includes(SNAPSHOT_SHA256_HEADER);
    if (!/^[0-9a-f]{64}$/.test(inHeader) && !inTrailer) throw missing();
    if (Number(req.headers['content-length'] ?? 0) > this.maxBytes) throw tooLarge(this.maxBytes);
    const dir = join(this.dataDir, 'snapshots', projectId);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.upload-${newId('tmp')}`);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        size += chunk.length;
        if (size > this.maxBytes) return cb(tooLarge(this.maxBytes));
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

  owned(projectId: string, snapshotId: string): boolean {
    return Boolean(this.store.stmt('SELECT 1 FROM snapshots WHERE id = ? AND project_id = ?').get(snapshotId, projectId));
  }
}
