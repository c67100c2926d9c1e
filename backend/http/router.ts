// Path-pattern router. API routes come from protocol endpoint definitions; pages and streams register raw
// handlers; `backend/web/` adds its pages through the same `raw` and `upgrade` calls.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from '../errors.js';
import { sendError } from './reply.js';

export type Params = Record<string, string>;
export type RawHandler = (req: IncomingMessage, res: ServerResponse, params: Params, url: URL) => unknown;
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, params: Params, url: URL) => unknown;

interface Entry<H> { method: string; regex: RegExp; keys: string[]; handler: H }

function compile(pattern: string): { regex: RegExp; keys: string[] } {
  const keys: string[] = [];
  const src = pattern.split('/').map((part) => {
    if (part.startsWith(':')) { keys.push(part.slice(1)); return '([^/]+)'; }
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }).join('/');
  return { regex: new RegExp(`^${src}/?$`), keys };
}

function match<H>(entries: Entry<H>[], method: string, path: string): { entry?: Entry<H>; params: Params; pathKnown: boolean } {
  let pathKnown = false;
  for (const e of entries) {
    const m = e.regex.exec(path);
    if (!m) continue;
    pathKnown = true;
    if (e.method !== method && !(method === 'HEAD' && e.method === 'GET')) continue;
    const params: Params = {};
    e.keys.forEach((k, i) => { params[k] = decodePart(m[i + 1]); });
    return { entry: e, params, pathKnown };
  }
  return { params: {}, pathKnown };
}

function decodePart(part: string): string {
  try { return decodeURIComponent(part); } catch {
    throw new ApiError(400, 'invalid_path', 'The path has a malformed percent-encoding.');
  }
}

/** The request's URL; a request target that does not parse is the client's error. */
function requestUrl(req: IncomingMessage): URL {
  const url = URL.parse(req.url ?? '/', 'http://localhost');
  if (!url) throw new ApiError(400, 'invalid_path', 'The request target is not a valid path.');
  return url;
}

const wantsPage = (req: IncomingMessage, url: URL) =>
  !url.pathname.startsWith('/api/') && String(req.headers.accept ?? '').includes('text/html');

export class Router {
  private routes: Entry<RawHandler>[] = [];
  /** Answers a browser (Accept: text/html) asking for a path outside /api/ that has no route. */
  notFoundPage?: RawHandler;
  private upgrades: Entry<UpgradeHandler>[] = [];

  raw(method: string, pattern: string, handler: RawHandler): void {
    this.routes.push({ method, ...compile(pattern), handler });
  }

  upgrade(pattern: string, handler: UpgradeHandler): void {
    this.upgrades.push({ method: 'GET', ...compile(pattern), handler });
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = requestUrl(req);
      const { entry, params, pathKnown } = match(this.routes, req.method ?? 'GET', url.pathname);
      if (!entry && !pathKnown && this.notFoundPage && wantsPage(req, url)) return void await this.notFoundPage(req, res, {}, url);
      if (!entry) {
        throw pathKnown
          ? new ApiError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`)
          : new ApiError(404, 'route_not_found', `No route ${req.method} ${url.pathname}`);
      }
      await entry.handler(req, res, params, url);
    } catch (e) {
      // A body left half read (a 413 mid-upload) makes the connection unusable for a next request.
      if (!req.complete && !res.headersSent) res.setHeader('connection', 'close');
      req.resume();
      sendError(res, e);
    }
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A client that resets mid-handshake must not become an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    new Promise((resolve) => {
      const url = requestUrl(req);
      const { entry, params } = match(this.upgrades, 'GET', url.pathname);
      if (!entry) throw new ApiError(404, 'route_not_found', `No WebSocket at ${url.pathname}`);
      resolve(entry.handler(req, socket, head, params, url));
    }).catch((e) => rejectUpgrade(socket, e));
  }
}

/** Answers a refused WebSocket upgrade with a normal HTTP error response, so clients see the code. */
export function rejectUpgrade(socket: Duplex, e: unknown): void {
  const err = e instanceof ApiError ? e : new ApiError(500, 'internal_error', 'The server failed on this request.');
  if (!(e instanceof ApiError)) process.stderr.write(`sandbox: upgrade failed: ${String(e)}\n`);
  const body = JSON.stringify({ error: { code: err.code, message: err.message } });
  const extra = Object.entries(err.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${err.status} Error\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`
    + `${extra}connection: close\r\n\r\n${body}`);
}
