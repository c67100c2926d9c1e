// uploadSnapshot: zip the project straight into the upload stream; the SHA-256 follows as an HTTP trailer.
import { resolve } from 'node:path';
import { routes } from '../../protocol/backend/routes.js';
import { SNAPSHOT_SHA256_HEADER } from '../../protocol/backend/projects.js';
import { Snapshot as SnapshotResponse } from '../../protocol/backend/projects.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { Progress } from '../../protocol/methods/lifecycle.js';
import { UploadSnapshot } from '../../protocol/methods/project.js';
import type { Feature } from '../context.js';
import { loadProject } from '../project/config.js';
import { getServices } from '../services.js';
import { createSnapshot } from '../snapshot/index.js';

let tokens = 0;

export const snapshot: Feature = (router, agent) => {
  router.on(UploadSnapshot, async (p, ctx) => {
    const { root, config } = await loadProject(resolve(agent.options.cwd, p.cwd ?? '.'));
    if (!config.repoUploaded) {
      throw new RpcError(ErrorCode.Forbidden, 'Uploading code is off for this project. Run codevf init and answer yes to "Upload code", then try again.', 'upload_not_allowed');
    }
    const backend = await getServices(agent).backend();
    const token = p.workDoneToken ?? (agent.client?.capabilities.progress ? `snapshot-${++tokens}` : undefined);
    const progress = (value: Parameters<typeof ctx.notify<typeof Progress>>[1]['value']) => {
      if (token !== undefined) void ctx.notify(Progress, { token, value });
    };
    const make = () => createSnapshot(root, {
      onProgress: (x) => progress({ kind: 'report', message: `${x.filesDone}/${x.filesTotal} files`,
        percentage: x.bytesTotal ? Math.min(100, Math.round((x.bytesDone / x.bytesTotal) * 100)) : 100,
        bytesDone: x.bytesDone, bytesTotal: x.bytesTotal }),
    });
    let snap = await make();
    let attempts = 0;
    progress({ kind: 'begin', title: 'Uploading snapshot', message: `${snap.manifest.included.length} files`, percentage: 0 });
    try {
      const raw = await backend.http.upload('POST', routes.projects.uploadSnapshot.path(), {
        query: { projectId: config.projectId },
        contentType: 'application/zip',
        headers: { trailer: SNAPSHOT_SHA256_HEADER },
        // A second attempt (after a token refresh) zips again: a snapshot is written once.
        body: { writeTo: async (req) => { if (attempts++ > 0) { snap.abort(); snap = await make(); } return snap.writeTo(req, { end: false }); } },
        trailers: async () => ({ [SNAPSHOT_SHA256_HEADER]: await snap.sha256 }),
        signal: ctx.signal,
      });
      const saved = SnapshotResponse.parse(raw);
      const { manifest, redactions } = await snap.result;
      progress({ kind: 'end', message: `uploaded ${saved.size} bytes` });
      return {
        snapshotId: saved.snapshotId, size: saved.size, sha256: saved.sha256, files: manifest.included.length,
        excluded: manifest.excluded.map((x) => ({ path: x.path, reason: `${x.reason}: ${x.detail}` })),
        redactions,
      };
    } catch (e) {
      snap.abort(e instanceof Error ? e : undefined);
      progress({ kind: 'end', message: 'upload failed' });
      throw e;
    }
  });
};
