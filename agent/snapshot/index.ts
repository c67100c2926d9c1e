// A project snapshot: the manifest (what goes in, what stays out and why), and the zip, written into a
// file, socket or HTTP request with its SHA-256 computed as the bytes go by.
import { Readable, Writable } from 'node:stream';
import { DEFAULT_MAX_FILE_BYTES, listSnapshotFiles, type ListOptions, type SnapshotManifest } from './list.js';
import { cancelled, writeZip, type ZipOptions } from './zip.js';

export type { ExcludedFile, FileList, IncludedFile, SnapshotManifest } from './list.js';
export type { SnapshotProgress } from './zip.js';

export interface SnapshotOptions extends ListOptions, ZipOptions {}

export interface SnapshotResult {
  sha256: string;
  /** Size of the zip. */
  bytes: number;
  /** Final: files that vanished or changed while being read are moved to `excluded`. */
  manifest: SnapshotManifest;
  /** Entries whose secrets were masked in the zip. */
  redactions: Array<{ path: string; count: number; kinds: string[] }>;
}

export interface Snapshot {
  /** Known before any byte is zipped; `result.manifest` adds what changed while reading. */
  manifest: SnapshotManifest;
  /**
   * Writes the zip into `dest` and resolves once `dest` has taken every byte (and finished, unless
   * `end: false`). Files, sockets and HTTP requests get the zip without copies. Once per snapshot.
   */
  writeTo(dest: Writable, opts?: { end?: boolean; signal?: AbortSignal }): Promise<SnapshotResult>;
  /** `writeTo(dest)`. */
  pipeTo(dest: Writable): Promise<SnapshotResult>;
  /** The zip as a stream (copied chunk by chunk): an alternative to `writeTo`, not both. Nothing is read until it is. */
  readonly stream: Readable;
  /** Hex SHA-256 of the zip, once its last byte is written. */
  sha256: Promise<string>;
  result: Promise<SnapshotResult>;
  /** Stops zipping: `result` rejects with `reason`. */
  abort(reason?: Error): void;
}

/** Lists the files of the git project at `root`; the zip is made when it is written somewhere. */
export async function createSnapshot(root: string, opts: SnapshotOptions = {}): Promise<Snapshot> {
  const manifest = await listSnapshotFiles(root, opts);
  const stop = new AbortController();
  let resolveResult!: (r: SnapshotResult) => void;
  let rejectResult!: (e: unknown) => void;
  const result = new Promise<SnapshotResult>((resolve, reject) => { resolveResult = resolve; rejectResult = reject; });
  result.catch(() => undefined); // whoever awaits it still sees the error
  stop.signal.addEventListener('abort', () => rejectResult(stop.signal.reason), { once: true });
  let used = false;
  let stream: Readable | undefined;

  const writeTo: Snapshot['writeTo'] = async (dest, o = {}) => {
    if (used) throw new Error('A snapshot can be written only once.');
    used = true;
    const redactions: SnapshotResult['redactions'] = [];
    const onAbort = () => stop.abort(o.signal!.reason);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const z = await writeZip(manifest.root, manifest.included, opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, dest, {
        ...opts, onRedacted: (path, count, kinds) => { redactions.push({ path, count, kinds }); opts.onRedacted?.(path, count, kinds); },
      }, o.end ?? true, stop.signal);
      const r = { sha256: z.sha256, bytes: z.bytes, manifest: finalManifest(manifest, z.skipped), redactions };
      resolveResult(r);
      return r;
    } catch (err) {
      if ((o.end ?? true) && !dest.destroyed) dest.destroy(err as Error);
      rejectResult(err);
      throw err;
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
    }
  };

  const sha256 = result.then((r) => r.sha256);
  sha256.catch(() => undefined);
  return {
    manifest,
    writeTo,
    pipeTo: (dest) => writeTo(dest),
    get stream() {
      stream ??= readableOf((w) => { writeTo(w).catch((err: Error) => stream!.destroy(err)); });
      return stream;
    },
    sha256,
    result,
    abort(reason) { stop.abort(reason ?? cancelled()); },
  };
}

/** A Readable fed by a Writable that the zip is written into; zipping starts at the first read. */
function readableOf(start: (w: Writable) => void): Readable {
  let pending: (() => void) | null = null;
  let started = false;
  const w = new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _enc, cb) { if (r.push(chunk)) cb(); else pending = cb; },
    final(cb) { r.push(null); cb(); },
  });
  const r: Readable = new Readable({
    highWaterMark: 1024 * 1024,
    read() {
      if (!started) { started = true; start(w); }
      const p = pending;
      pending = null;
      p?.();
    },
    destroy(err, cb) { if (!w.destroyed) w.destroy(); cb(err); },
  });
  return r;
}

function finalManifest(m: SnapshotManifest, skipped: SnapshotManifest['excluded']): SnapshotManifest {
  if (skipped.length === 0) return m;
  const included = m.included.without(new Set(skipped.map((s) => s.path)));
  let totalBytes = 0;
  for (let i = 0; i < included.length; i++) totalBytes += included.size(i);
  return { ...m, included, excluded: [...m.excluded, ...skipped], totalBytes };
}
