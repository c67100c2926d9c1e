// Redaction for content that leaves as bytes (snapshot entries, files that are not UTF-8). Every byte
// around a secret comes back unchanged, whatever the file's encoding: valid UTF-8 is matched as UTF-8
// (so a secret with non-ASCII characters is masked whole), UTF-16 in either byte order, with or without a
// byte-order mark, as UTF-16, and anything else as Latin-1, which maps each byte to one character (secrets are ASCII).
import { isUtf8 } from 'node:buffer';
import { redact, StreamRedactor } from './redact.js';

export interface BytesRedaction { data: Buffer; count: number; kinds: string[] }

/** UTF-16 byte order of `head`: by its mark, else by where the zero bytes of ASCII characters fall. */
export function utf16Order(head: Buffer): 'le' | 'be' | null {
  if (head[0] === 0xff && head[1] === 0xfe) return 'le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'be';
  const pairs = Math.min(head.length, 8192) >> 1;
  if (pairs < 4) return null;
  let zeroHigh = 0; // (c, 0): ASCII in little-endian
  let zeroLow = 0; // (0, c): ASCII in big-endian
  let both = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    const a = head[i] === 0;
    const b = head[i + 1] === 0;
    if (a && b) both++; else if (b) zeroHigh++; else if (a) zeroLow++;
  }
  // Text has almost no U+0000; mostly-ASCII text has one zero byte in most pairs, always on the same side.
  if (both > pairs / 64) return null;
  if (zeroHigh >= pairs * 0.3 && zeroLow <= pairs / 64) return 'le';
  if (zeroLow >= pairs * 0.3 && zeroHigh <= pairs / 64) return 'be';
  return null;
}

/** UTF-16 text of `length` bytes (whole code units, else no byte may be lost), with or without a mark: its order. */
export function utf16OrderOf(head: Buffer, length: number): 'le' | 'be' | null {
  return length % 2 === 0 ? utf16Order(head) : null;
}

const swapped = (b: Buffer) => Buffer.from(b).swap16();

/** Masks the secrets in `data`; the result's bytes equal `data`'s outside them. */
export function redactBytes(data: Buffer): BytesRedaction {
  const order = data.length % 2 === 0 ? utf16Order(data) : null;
  if (order) {
    const r = redact((order === 'be' ? swapped(data) : data).toString('utf16le'));
    if (!r.count) return { data, count: 0, kinds: [] };
    const le = Buffer.from(r.text, 'utf16le');
    return { data: order === 'be' ? le.swap16() : le, count: r.count, kinds: r.kinds };
  }
  const enc: BufferEncoding = isUtf8(data) ? 'utf8' : 'latin1';
  const r = redact(data.toString(enc));
  return r.count ? { data: Buffer.from(r.text, enc), count: r.count, kinds: r.kinds } : { data, count: 0, kinds: [] };
}

/** Binary formats (a NUL byte early, and not UTF-16 text) are left alone: their bytes are not text. */
export function looksBinary(head: Buffer): boolean {
  return utf16Order(head) === null && head.subarray(0, 8192).includes(0);
}

/** How `ByteStreamRedactor` reads a file's bytes as text. */
export type TextBytes = 'utf8' | 'latin1' | 'utf16le' | 'utf16be';

/**
 * Redacts a big file read piece by piece, its bytes kept outside the secrets, like `redactBytes` does a
 * whole one: UTF-8 as UTF-8, UTF-16 in either order as UTF-16 (whole code units, a piece's odd last byte
 * waits for the next), anything else as Latin-1.
 */
export class ByteStreamRedactor {
  private readonly text = new StreamRedactor();
  private odd: Buffer | null = null;

  constructor(private readonly enc: TextBytes) {}

  get count(): number { return this.text.count; }
  get kinds(): string[] { return this.text.kinds; }

  /** The redacted bytes that may go now for the next `piece` (which may be reused once this returns). */
  push(piece: Buffer): Buffer {
    if (this.enc === 'utf8') return Buffer.from(this.text.push(piece), 'utf8');
    if (this.enc === 'latin1') return Buffer.from(this.text.push(piece.toString('latin1')), 'latin1');
    const units = this.odd ? Buffer.concat([this.odd, piece]) : piece;
    const even = units.length & ~1;
    this.odd = even < units.length ? Buffer.from(units.subarray(even)) : null;
    return this.utf16(this.text.push(this.enc === 'utf16be' ? Buffer.from(units.subarray(0, even)).swap16().toString('utf16le') : units.toString('utf16le', 0, even)));
  }

  /** Everything still held, redacted (and a last odd byte, as it was). */
  flush(): Buffer {
    if (this.enc === 'utf8' || this.enc === 'latin1') return Buffer.from(this.text.flush(), this.enc);
    const rest = this.utf16(this.text.flush());
    return this.odd ? Buffer.concat([rest, this.odd]) : rest;
  }

  private utf16(s: string): Buffer {
    const le = Buffer.from(s, 'utf16le');
    return this.enc === 'utf16be' ? le.swap16() : le;
  }
}
