// Uploads a snapshot with http(s).request in ~1 MiB writes. Not fetch: a streamed fetch body keeps every
// chunk alive until the request ends (nodejs/undici#4058), so memory would equal the upload size.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { SNAPSHOT_SHA256_HEADER } from '../../protocol/backend/projects.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';

export const UPLOAD_CHUNK = 1024 * 1024;

export interface UploadOptions {
  url: string | URL;
  /** Sent as `Authorization: Bearer`; never logged, never in an error. */
  token?: string;
  headers?: Record<string, string>;
  /** A file (sent with Content-Length) or a stream (sent chunked). */
  body: { path: string } | Readable;
  /** Known digest: sent as a header. A promise (digest computed while streaming): sent as an HTTP trailer. */
  sha256?: string | Promise<string>;
  /** Plain http to a host other than loopback (the front end must have surfaced it). */
  insecure?: boolean;
  /** e.g. a proxy agent; default: none (a fresh connection). */
  agent?: http.Agent;
  /** Fails when the connection is idle this long (default 60 s). */
  idleTimeoutMs?: number;
  onSent?: (bytes: number) => void;
}

export interface UploadResult {
  status: number;
  body: unknown;
  bytesSent: number;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i;

function checkUrl(url: URL, insecure: boolean): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && (LOOPBACK.test(url.hostname) || insecure)) return;
  throw new RpcError(ErrorCode.Forbidden, `Refusing to upload to ${url.protocol}//${url.host}: use https (plain http only for loopback or with the insecure option).`, 'insecure_transport');
}

/**
 * Two 1 MiB buffers used in turn: one fills (file read, or stream chunks copied in) while the other is on
 * the wire. A buffer is reused only after its write callback, so the upload makes no garbage: flat memory.
 */
class BufferPair {
  private readonly bufs = [Buffer.allocUnsafe(UPLOAD_CHUNK), Buffer.allocUnsafe(UPLOAD_CHUNK)];
  private readonly sent: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  private readonly done: (() => void)[] = [() => undefined, () => undefined];
  private turn = 0;

  constructor(req: http.ClientRequest) {
    req.once('close', () => this.done.forEach((d) => d())); // a destroyed request never calls back
  }

  /** The next buffer to fill, once the wire is done with it. */
  async next(): Promise<Buffer> {
    await this.sent[this.turn];
    return this.bufs[this.turn];
  }

  /** Writes the first `n` bytes of the current buffer; resolves when the request can take more. */
  async write(req: http.ClientRequest, n: number, stop: AbortSignal): Promise<void> {
    const i = this.turn;
    this.turn ^= 1;
    this.sent[i] = new Promise<void>((resolve) => { this.done[i] = resolve; });
    const more = req.write(this.bufs[i].subarray(0, n), () => this.done[i]());
    if (!more) await once(req, 'drain', { signal: stop }).catch(() => undefined);
  }
}

async function* fileChunks(file: string, pair: BufferPair): AsyncGenerator<number> {
  const fh = await fs.promises.open(file, 'r');
  try {
    for (let pos = 0; ;) {
      const buf = await pair.next();
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      yield bytesRead;
    }
  } finally {
    await fh.close();
  }
}

async function* streamChunks(src: AsyncIterable<Buffer>, pair: BufferPair): AsyncGenerator<number> {
  let buf = await pair.next();
  let n = 0;
  for await (const chunk of src) {
    for (let at = 0; at < chunk.length;) {
      const k = chunk.copy(buf, n, at);
      n += k;
      at += k;
      if (n === buf.length) { yield n; buf = await pair.next(); n = 0; }
    }
  }
  if (n > 0) yield n;
}

/** Notes an error of the body itself, to tell it apart from a network failure. */
async function* tap<T>(src: AsyncIterable<T>, onError: (e: unknown) => void): AsyncGenerator<T> {
  try {
    yield* src;
  } catch (e) {
    onError(e);
    throw e;
  }
}

async function parseResponse(res: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!/json/i.test(String(res.headers['content-type'] ?? ''))) return text;
  try { return JSON.parse(text); } catch { return text; }
}

function backendError(status: number, body: unknown): RpcError {
  const e = (body as { error?: { code?: string; message?: string } } | null)?.error;
  const message = e?.message ?? `The backend answered HTTP ${status} to the snapshot upload.`;
  if (status === 401) return new RpcError(ErrorCode.AuthRequired, `${message} Run \`codevf login\`.`, 'auth_required', { backendCode: e?.code });
  return new RpcError(ErrorCode.BackendError, message, 'backend_error', { backendCode: e?.code ?? `http_${status}`, status, retryable: status >= 500 });
}

function networkError(err: NodeJS.ErrnoException, url: URL): RpcError {
  return new RpcError(ErrorCode.NetworkUnreachable, `The upload to ${url.host} failed: ${err.code ?? err.message}. Check the connection and try again.`,
    'network_unreachable', { retryable: true });
}

/** Streams the body to `url` with POST; resolves with the parsed answer, or an RpcError. */
export async function uploadSnapshot(opts: UploadOptions): Promise<UploadResult> {
  const url = new URL(opts.url);
  checkUrl(url, opts.insecure ?? false);
  const isFile = 'path' in opts.body;
  const headers: Record<string, string | number> = { 'content-type': 'application/zip', accept: 'application/json', ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (isFile) headers['content-length'] = (await fs.promises.stat((opts.body as { path: string }).path)).size;
  if (typeof opts.sha256 === 'string') headers[SNAPSHOT_SHA256_HEADER] = opts.sha256;
  else if (opts.sha256) headers.trailer = SNAPSHOT_SHA256_HEADER;
  const mod = url.protocol === 'https:' ? https : http;
  const req = mod.request(url, { method: 'POST', headers, agent: opts.agent });
  req.setTimeout(opts.idleTimeoutMs ?? 60_000, () => req.destroy(Object.assign(new Error('idle timeout'), { code: 'ETIMEDOUT' })));
  const answered = new AbortController();
  const response = new Promise<http.IncomingMessage>((resolve, reject) => { req.once('response', resolve); req.once('error', reject); });
  response.then(() => answered.abort(), () => answered.abort());
  const pair = new BufferPair(req);
  const source = isFile ? fileChunks((opts.body as { path: string }).path, pair) : streamChunks(opts.body as Readable, pair);
  let bytesSent = 0;
  let sourceError: unknown = null;
  try {
    const sending = (async () => {
      for await (const n of tap(source, (e) => { sourceError = e; })) {
        if (req.destroyed || answered.signal.aborted) return;
        bytesSent += n;
        opts.onSent?.(bytesSent);
        await pair.write(req, n, answered.signal);
      }
      if (answered.signal.aborted) return;
      if (opts.sha256 && typeof opts.sha256 !== 'string') req.addTrailers({ [SNAPSHOT_SHA256_HEADER]: await opts.sha256 });
      req.end();
    })();
    // An early answer (413, 401) ends the upload; the rest of the body is not sent.
    const res = await Promise.race([response, sending.then(() => response)]);
    const body = await parseResponse(res);
    if (!req.writableEnded) req.destroy();
    if ((res.statusCode ?? 0) >= 300) throw backendError(res.statusCode ?? 0, body);
    return { status: res.statusCode ?? 0, body, bytesSent };
  } catch (err) {
    req.destroy();
    if (!isFile) (opts.body as Readable).destroy();
    if (err instanceof RpcError) throw err;
    if (sourceError !== null) {
      throw new RpcError(ErrorCode.InternalError, `The snapshot could not be read while uploading: ${(sourceError as Error).message}`, 'snapshot_failed');
    }
    throw networkError(err as NodeJS.ErrnoException, url);
  }
}
