// Redaction for content that leaves as bytes (snapshot entries, files that are not UTF-8): secrets are
// ASCII, so text is matched as Latin-1, which maps each byte to one character. Every byte around a secret
// comes back unchanged, whatever the file's encoding.
import { redact } from './redact.js';

export interface BytesRedaction { data: Buffer; count: number; kinds: string[] }

/** UTF-16 with a byte-order mark as UTF-16, anything else byte for byte as Latin-1. */
export function redactBytes(data: Buffer): BytesRedaction {
  const enc: BufferEncoding = data[0] === 0xff && data[1] === 0xfe ? 'utf16le' : 'latin1';
  const r = redact(data.toString(enc));
  return r.count ? { data: Buffer.from(r.text, enc), count: r.count, kinds: r.kinds } : { data, count: 0, kinds: [] };
}

/** Binary formats (a NUL byte early, without a UTF-16 mark) are left alone: their bytes are not text. */
export function looksBinary(head: Buffer): boolean {
  return !(head[0] === 0xff && head[1] === 0xfe) && head.subarray(0, 8192).includes(0);
}
