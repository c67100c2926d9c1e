// Redaction for content that leaves as bytes (snapshot entries, files that are not UTF-8). Every byte
// around a secret comes back unchanged, whatever the file's encoding: valid UTF-8 is matched as UTF-8
// (so a secret with non-ASCII characters is masked whole), UTF-16 with its mark as UTF-16, and anything
// else as Latin-1, which maps each byte to one character (secrets are ASCII).
import { isUtf8 } from 'node:buffer';
import { redact } from './redact.js';

export interface BytesRedaction { data: Buffer; count: number; kinds: string[] }

const hasUtf16Mark = (head: Buffer) => head[0] === 0xff && head[1] === 0xfe;

/** UTF-16 text: the little-endian byte-order mark, and `length` bytes of whole code units (else no byte may be lost). */
export function isUtf16(head: Buffer, length: number): boolean {
  return hasUtf16Mark(head) && length % 2 === 0;
}

/** Masks the secrets in `data`; the result's bytes equal `data`'s outside them. */
export function redactBytes(data: Buffer): BytesRedaction {
  const enc: BufferEncoding = isUtf16(data, data.length) ? 'utf16le' : isUtf8(data) ? 'utf8' : 'latin1';
  const r = redact(data.toString(enc));
  return r.count ? { data: Buffer.from(r.text, enc), count: r.count, kinds: r.kinds } : { data, count: 0, kinds: [] };
}

/** Binary formats (a NUL byte early, without a UTF-16 mark) are left alone: their bytes are not text. */
export function looksBinary(head: Buffer): boolean {
  return !hasUtf16Mark(head) && head.subarray(0, 8192).includes(0);
}
