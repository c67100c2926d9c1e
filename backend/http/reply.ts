// Writing responses. Errors always have the `{"error":{"code","message"}}` body and never a stack trace.
import type { ServerResponse } from 'node:http';
import { ZodError } from 'zod';
import { ApiError } from '../errors.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** `payload.items[2].name: Invalid input` style: the field first, so the caller knows what to fix. */
/** `attachment` with the file's base name: an ASCII fallback and the exact UTF-8 name (RFC 6266, RFC 8187). */
export function attachment(path: string): string {
  const name = path.split(/[\\/]/).filter(Boolean).pop() || 'file';
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

export function describeZodError(e: ZodError, where = 'body'): string {
  return e.issues.slice(0, 3).map((i) => {
    const path = i.path.length ? `${where}.${i.path.join('.')}` : where;
    return `${path}: ${i.message}`;
  }).join('; ');
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof ZodError) return new ApiError(400, 'invalid_body', describeZodError(e));
  process.stderr.write(`sandbox: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
  return new ApiError(500, 'internal_error', 'The server failed on this request; it has been logged. Try again.');
}

export function sendError(res: ServerResponse, e: unknown): void {
  const err = toApiError(e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
}
