// Reading request bodies with a size cap, so a client cannot make the server buffer without bound.
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../errors.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export function tooLarge(limit: number): ApiError {
  return new ApiError(413, 'payload_too_large', `The request body exceeds ${limit} bytes; send less.`);
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const buf = await readBody(req, limit);
  if (buf.length === 0) return {};
  // Exactly application/json (a charset parameter aside): a page on another site can send `text/plain; x=json`
  // without a CORS preflight, never application/json.
  const [type, ...params] = String(req.headers['content-type'] ?? '').toLowerCase().split(';').map((p) => p.trim());
  if (type !== 'application/json' || params.some((p) => p !== 'charset=utf-8')) {
    throw new ApiError(415, 'unsupported_media_type', 'Send the body as application/json.');
  }
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}
