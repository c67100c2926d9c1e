// The one HTTP client for every call to the backend: vetted URLs, proxies, a timeout on every request,
// retries with backoff only where sending twice is harmless, and errors a script can act on.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import tls from 'node:tls';
import type * as z from 'zod';
import type { BodyIn, EndpointDef, ResponseOf } from '../../protocol/backend/define.js';
import { VERSION } from '../../protocol/version.js';
import { classify, httpError, invalidResponse, NetworkFailure, networkError } from './errors.js';
import { HttpsTunnelAgent, HttpTunnelAgent, proxyFor } from './proxy.js';
import { backoffMs, RETRY_STATUS, retryAfterMs, sleep } from './retry.js';
import { checkUrl } from './url-policy.js';
import { currentSignal } from '../cancel.js';

export interface HttpClientOptions {
  /** e.g. `https://api.codevf.com` or the sandbox `http://127.0.0.1:<port>`; a path prefix is kept. */
  baseUrl: string;
  /** Allows plain http to a non-loopback host. Certificate checks are never turned off. */
  insecure?: boolean;
  /** Supplies the bearer token per request; never logged nor put in an error. */
  token?: () => string | null | undefined | Promise<string | null | undefined>;
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A Retry-After longer than this is not waited for: the error goes back to the caller. */
  maxRetryAfterMs?: number;
  /** Proxy variables; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Extra trusted roots, added to the system's (e.g. a corporate TLS-inspecting proxy's CA). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Name resolution for direct and proxy connections (default DNS). */
  lookup?: LookupFunction;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called once on a 401 (e.g. to refresh a short-lived token); true: send again with `token()`'s new value. */
  onUnauthorized?: () => Promise<boolean>;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
  /** Makes a POST safe to retry: the backend applies it at most once. */
  idempotencyKey?: string;
  timeoutMs?: number;
  /** Send the bearer token (default true). */
  auth?: boolean;
  signal?: AbortSignal;
}

export interface UploadOptions extends Omit<RequestOptions, 'body' | 'timeoutMs'> {
  /** A fresh stream per attempt (a stream can be read only once), or a writer that writes the body into the request. */
  body: (() => Readable) | BodyWriter;
  contentType?: string;
  contentLength?: number;
  /** An upload may take long; it fails when no byte moves for this long. */
  idleTimeoutMs?: number;
  /** Sent after the body as HTTP trailers (chunked encoding), e.g. a digest known only at the end. */
  trailers?: () => Promise<Record<string, string>>;
}

/**
 * Writes a body into the request and resolves once every byte is written (the client ends the request).
 * Called once per attempt: after a 401 and a token refresh the body is sent again.
 */
export interface BodyWriter { writeTo(dest: Writable): Promise<unknown> }

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: Buffer }
type Streamed = { stream: (() => Readable) | BodyWriter; trailers?: () => Promise<Record<string, string>> };
type Body = Buffer | Streamed | undefined;
interface Limits { totalMs?: number; idleMs?: number }

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export class HttpClient {
  readonly baseUrl: URL;
  private readonly opts: Required<Pick<HttpClientOptions, 'timeoutMs' | 'retries' | 'backoffMs' | 'maxBackoffMs' | 'maxRetryAfterMs'>> & HttpClientOptions;
  private readonly agents = new Map<string, http.Agent>();
  private readonly ca?: Array<string | Buffer>;

  constructor(opts: HttpClientOptions) {
    this.opts = { timeoutMs: 30_000, retries: 3, backoffMs: 300, maxBackoffMs: 5_000, maxRetryAfterMs: 60_000, ...opts };
    this.baseUrl = checkUrl(opts.baseUrl, opts.insecure);
    if (opts.ca) this.ca = [...tls.rootCertificates, ...(Array.isArray(opts.ca) ? opts.ca : [opts.ca])];
  }

  /** `host:port` of the backend, for messages. */
  get host(): string { return this.baseUrl.host; }

  /** A path under the base URL, or an absolute URL; vetted before any connection. */
  resolve(pathOrUrl: string, query?: Query): URL {
    const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(pathOrUrl);
    const base = this.baseUrl.href.replace(/\/+$/, '');
    const url = checkUrl(absolute ? pathOrUrl : `${base}/${pathOrUrl.replace(/^\/+/, '')}`, this.opts.insecure);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  /** The agent for a URL: a CONNECT tunnel when a proxy applies, else a direct keep-alive agent. */
  agentFor(url: URL): http.Agent {
    const secure = url.protocol === 'https:' || url.protocol === 'wss:';
    const proxy = proxyFor(url, this.opts.env ?? process.env);
    const key = `${secure ? 's' : 'p'}|${proxy?.href ?? 'direct'}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const tunnel = { timeoutMs: this.opts.timeoutMs, lookup: this.opts.lookup, ca: this.ca };
      if (proxy) agent = secure ? new HttpsTunnelAgent(proxy, tunnel) : new HttpTunnelAgent(proxy, tunnel);
      else if (secure) agent = new https.Agent({ keepAlive: true, ca: this.ca, lookup: this.opts.lookup, rejectUnauthorized: true });
      else agent = new http.Agent({ keepAlive: true, lookup: this.opts.lookup } as http.AgentOptions);
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** A JSON call; GET and calls with an idempotency key are retried on network errors and 429/502/503/504. */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = this.resolve(path, opts.query);
    const body = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers = await this.headers(url, opts, body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {});
    return this.send<T>(method, url, headers, body, { totalMs: opts.timeoutMs ?? this.opts.timeoutMs }, opts);
  }

  /** A declared backend endpoint; the answer is validated against its schema. */
  async call<E extends EndpointDef>(ep: E, opts: Omit<RequestOptions, 'body'> & { params?: string[]; body?: BodyIn<E> } = {}): Promise<ResponseOf<E>> {
    const idempotencyKey = opts.idempotencyKey ?? (ep.idempotency ? randomUUID() : undefined);
    const raw = await this.request(ep.method, ep.path(...(opts.params ?? [])), { ...opts, idempotencyKey });
    const parsed = (ep.response as z.ZodType).safeParse(raw);
    if (!parsed.success) throw invalidResponse(200, `${ep.pattern}: ${parsed.error.issues[0]?.path.join('.') || 'body'}`);
    return parsed.data as ResponseOf<E>;
  }

  /** Streams a body (e.g. a zip) with http(s).request; bounded by an idle timeout rather than a total one. */
  async upload<T = unknown>(method: string, path: string, opts: UploadOptions): Promise<T> {
    const url = this.resolve(path, opts.query);
    const extra: Record<string, string> = { 'content-type': opts.contentType ?? 'application/octet-stream' };
    if (opts.contentLength !== undefined && !opts.trailers) extra['content-length'] = String(opts.contentLength);
    const headers = await this.headers(url, opts, extra);
    const body: Streamed = { stream: opts.body, trailers: opts.trailers };
    return this.send<T>(method, url, headers, body, { idleMs: opts.idleTimeoutMs ?? this.opts.timeoutMs }, opts);
  }

  /** URL and options for `new WebSocket(url, options)` from `ws`: proxy agent, token, handshake timeout. */
  async webSocketOptions(pathOrUrl: string, opts: { auth?: boolean } = {}) {
    const url = this.resolve(pathOrUrl);
    if (url.protocol === 'http:' || url.protocol === 'https:') url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const headers = await this.headers(url, { auth: opts.auth }, {});
    return { url: url.href, options: { agent: this.agentFor(url), headers, handshakeTimeout: this.opts.timeoutMs } };
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  /** Whether a URL is the backend itself: only there does the token go (an upload URL may point elsewhere). */
  isBackend(url: URL): boolean {
    const secure = (u: URL) => u.protocol === 'https:' || u.protocol === 'wss:';
    return url.host === this.baseUrl.host && secure(url) === secure(this.baseUrl);
  }

  private async headers(url: URL, opts: Pick<RequestOptions, 'auth' | 'headers' | 'idempotencyKey'>, extra: Record<string, string>) {
    const h: Record<string, string> = { accept: 'application/json', 'user-agent': `codevf-agent/${VERSION}`, ...extra, ...opts.headers };
    if (opts.idempotencyKey) h['idempotency-key'] = opts.idempotencyKey;
    if (opts.auth !== false && this.isBackend(url)) {
      const token = await this.opts.token?.();
      if (token) h.authorization = `Bearer ${token}`;
    }
    return h;
  }

  private async send<T>(method: string, url: URL, headers: Record<string, string>, body: Body, limits: Limits,
    opts: Pick<RequestOptions, 'idempotencyKey' | 'signal'>): Promise<T> {
    const idempotent = method === 'GET' || method === 'HEAD' || Boolean(opts.idempotencyKey);
    const secrets = headers.authorization ? [headers.authorization.slice(7)] : [];
    const wait = this.opts.sleep ?? sleep;
    opts = { ...opts, signal: opts.signal ?? currentSignal() }; // the request being served, when the caller gave none
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      const last = !idempotent || attempt >= this.opts.retries;
      let answer: Answer;
      try {
        answer = await this.once(method, url, headers, body, limits, opts.signal);
      } catch (err) {
        if (!(err instanceof NetworkFailure)) throw err; // a failing upload source or a cancellation
        if (last || !err.retryable) throw networkError(url.host, err);
        await wait(backoffMs(attempt, this.opts.backoffMs, this.opts.maxBackoffMs), opts.signal);
        continue;
      }
      if (answer.status >= 200 && answer.status < 300) return parseJson<T>(answer);
      // A 401 was not acted on, so sending again is safe even for a POST.
      if (answer.status === 401 && headers.authorization && !refreshed && this.opts.onUnauthorized) {
        refreshed = true;
        const token = await this.opts.onUnauthorized() ? await this.opts.token?.() : undefined;
        if (token && `Bearer ${token}` !== headers.authorization) {
          headers = { ...headers, authorization: `Bearer ${token}` };
          secrets.push(token);
          continue;
        }
      }
      const after = retryAfterMs(answer.headers['retry-after']);
      if (last || !RETRY_STATUS.has(answer.status) || (after ?? 0) > this.opts.maxRetryAfterMs) {
        throw httpError(answer.status, answer.body, secrets, after);
      }
      await wait(after ?? backoffMs(attempt, this.opts.backoffMs, this.opts.maxBackoffMs), opts.signal);
    }
  }

  private once(method: string, url: URL, headers: Record<string, string>, body: Body, limits: Limits, signal?: AbortSignal): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const mod = url.protocol === 'https:' ? https : http;
      const req = mod.request(url, { method, headers, agent: this.agentFor(url), signal });
      let sourceError: unknown;
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        if (sourceError) reject(sourceError);
        else if (signal?.aborted) reject(signal.reason);
        else reject(classify(err));
      };
      const timer = limits.totalMs
        ? setTimeout(() => fail(new NetworkFailure('timeout', `no answer within ${limits.totalMs! / 1000} s`)), limits.totalMs)
        : undefined;
      if (limits.idleMs) req.setTimeout(limits.idleMs, () => fail(new NetworkFailure('timeout', `stalled for ${limits.idleMs! / 1000} s`)));
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) fail(new NetworkFailure('other', 'answer too large'));
          else chunks.push(c);
        });
        res.on('error', fail);
        res.on('end', () => {
          // Answered before the whole body was sent (401, 413...): stop sending it.
          if (body && !Buffer.isBuffer(body) && !req.writableFinished) req.destroy();
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
      });
      if (body && !Buffer.isBuffer(body)) {
        const sourceFailed = (err: unknown) => { sourceError = err; fail(err); };
        const trailers = body.trailers;
        const finish = () => {
          if (!trailers) req.end();
          else trailers().then((t) => { req.addTrailers(t); req.end(); }, sourceFailed);
        };
        // A writer that failed because the request went away: the request's own error or answer says why.
        if (typeof body.stream !== 'function') body.stream.writeTo(req).then(finish, (err) => { if (!req.destroyed) sourceFailed(err); });
        else {
          const src = body.stream();
          src.on('error', sourceFailed);
          src.pipe(req, { end: false });
          src.once('end', finish);
        }
      } else {
        req.end(body);
      }
    });
  }
}

function parseJson<T>(answer: Answer): T {
  if (answer.body.length === 0) return undefined as T;
  try {
    return JSON.parse(answer.body.toString('utf8')) as T;
  } catch {
    throw invalidResponse(answer.status, 'not JSON');
  }
}
