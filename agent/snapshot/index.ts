// A project snapshot: the manifest (what goes in, what stays out and why), and the zip as a stream
// whose SHA-256 is computed as the bytes go by.
import { createHash } from 'node:crypto';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DEFAULT_MAX_FILE_BYTES, listSnapshotFiles, type ListOptions, type SnapshotManifest } from './list.js';
import { zipFiles, type ZipOptions } from './zip.js';

export type { ExcludedFile, IncludedFile, SnapshotManifest } from './list.js';
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
  /** The zip bytes. Read it (or use `pipeTo`) exactly once. */
  stream: Readable;
  /** Pipes the zip into `dest` and resolves when `dest` has finished. */
  pipeTo(dest: Writable): Promise<SnapshotResult>;
  /** Hex SHA-256 of the zip, when the last byte has gone through `stream`. */
  sha256: Promise<string>;
  result: Promise<SnapshotResult>;
}

function hasher(): { t: Transform; digest: Promise<{ sha256: string; bytes: number }> } {
  const hash = createHash('sha256');
  let bytes = 0;
  let resolve!: (v: { sha256: string; bytes: number }) => void;
  let reject!: (e: Error) => void;
  const digest = new Promise<{ sha256: string; bytes: number }>((res, rej) => { resolve = res; reject = rej; });
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) { hash.update(chunk); bytes += chunk.length; cb(null, chunk); },
    flush(cb) { resolve({ sha256: hash.digest('hex'), bytes }); cb(); },
  });
  t.once('error', reject);
  t.once('close', () => reject(new Error('The snapshot stream was closed before the zip was complete.')));
  digest.catch(() => undefined);
  return { t, digest };
}

/** Lists the files of the git project at `root` and starts zipping them into `stream`. */
export async function createSnapshot(root: string, opts: SnapshotOptions = {}): Promise<Snapshot> {
  const manifest = await listSnapshotFiles(root, opts);
  const { t, digest } = hasher();
  let started: Promise<SnapshotResult> | null = null;
  // Nothing is read from disk until someone reads the zip.
  const start = () => {
    if (started) return started;
    const redactions: SnapshotResult['redactions'] = [];
    const run = zipFiles(manifest.root, manifest.included, opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, {
      ...opts, onRedacted: (path, count, kinds) => { redactions.push({ path, count, kinds }); opts.onRedacted?.(path, count, kinds); },
    });
    run.output.on('error', (err) => t.destroy(err));
    run.output.pipe(t);
    started = Promise.all([digest, run.done]).then(([d, skipped]) => ({ ...d, manifest: finalManifest(manifest, skipped), redactions }));
    started.catch(() => undefined); // reported through `result`
    return started;
  };
  const read = t._read.bind(t);
  t._read = (n: number) => { void start(); read(n); };
  let resolveResult!: (r: Promise<SnapshotResult>) => void;
  const result = new Promise<SnapshotResult>((resolve) => { resolveResult = resolve; });
  digest.then(() => resolveResult(start()), (err) => resolveResult(Promise.reject(err)));
  result.catch(() => undefined);
  const sha256 = result.then((r) => r.sha256);
  sha256.catch(() => undefined); // whoever awaits it still sees the error; nobody awaiting it is fine
  return {
    manifest,
    stream: t,
    sha256,
    result,
    async pipeTo(dest: Writable) {
      await pipeline(t, dest);
      return result;
    },
  };
}

function finalManifest(m: SnapshotManifest, skipped: SnapshotManifest['excluded']): SnapshotManifest {
  if (skipped.length === 0) return m;
  const gone = new Set(skipped.map((s) => s.path));
  const included = m.included.filter((f) => !gone.has(f.path));
  return { ...m, included, excluded: [...m.excluded, ...skipped], totalBytes: included.reduce((n, f) => n + f.size, 0) };
}
