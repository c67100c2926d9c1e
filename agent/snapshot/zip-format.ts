// The zip container (PKWARE APPNOTE 6.3): local headers, data descriptors, the central directory and
// its end records, with Zip64 where a size, an offset or the entry count needs it. UTF-8 names, Unix
// modes, and modification times both as DOS fields and as an extended timestamp ("UT", seconds UTC).

export const STORE = 0;
export const DEFLATE = 8;

const UTF8_NAMES = 1 << 11;
/** CRC and sizes follow the data in a descriptor (the entry was streamed). */
export const SIZES_AFTER = 1 << 3;
const MADE_BY_UNIX = (3 << 8) | 63;
const NEEDS_V2 = 20;
const NEEDS_ZIP64 = 45;
export const MAX32 = 0xffffffff;
const MAX16 = 0xffff;

export interface EntryHead {
  name: Buffer;
  method: number;
  flags: number;
  mtime: Date;
  /** Unix mode with the file type bits (regular file, link). */
  mode: number;
  /** The local header carries Zip64 sizes (the central record then says so too). */
  local64?: boolean;
}

export interface EntryTail {
  crc: number;
  compressed: number;
  size: number;
  /** Offset of the entry's local header. */
  offset: number;
}

function dosTime(d: Date): { time: number; date: number } {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
  };
}

// Readers take the "UT" time as signed 32 bits: clamp to 2038 rather than wrap to 1901.
const unixSeconds = (d: Date) => Math.max(0, Math.min(0x7fffffff, Math.floor(d.getTime() / 1000)));

/** Bytes the central directory can take for `nameBytes` of names over `count` entries (an upper bound). */
export function centralBound(count: number, nameBytes: number): number {
  return count * (46 + 9 + 28) + nameBytes;
}

/**
 * A local file header. Pass `tail` when CRC and sizes are known before the data; without it the
 * entry must carry SIZES_AFTER and be followed by `dataDescriptor`. `zip64` reserves 8-byte sizes.
 */
export function localHeader(h: EntryHead, tail: Omit<EntryTail, 'offset'> | null, zip64 = false): Buffer {
  const extra = 9 + (zip64 ? 20 : 0);
  const b = Buffer.allocUnsafe(30 + h.name.length + extra);
  const { time, date } = dosTime(h.mtime);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(zip64 ? NEEDS_ZIP64 : NEEDS_V2, 4);
  b.writeUInt16LE(h.flags | UTF8_NAMES, 6);
  b.writeUInt16LE(h.method, 8);
  b.writeUInt16LE(time, 10);
  b.writeUInt16LE(date, 12);
  b.writeUInt32LE(tail?.crc ?? 0, 14);
  b.writeUInt32LE(zip64 ? MAX32 : tail?.compressed ?? 0, 18);
  b.writeUInt32LE(zip64 ? MAX32 : tail?.size ?? 0, 22);
  b.writeUInt16LE(h.name.length, 26);
  b.writeUInt16LE(extra, 28);
  let at = 30 + h.name.copy(b, 30);
  at = writeTimestamp(b, at, h.mtime);
  if (zip64) {
    b.writeUInt16LE(0x0001, at);
    b.writeUInt16LE(16, at + 2);
    writeUInt64(b, tail?.size ?? 0, at + 4);
    writeUInt64(b, tail?.compressed ?? 0, at + 12);
  }
  return b;
}

/** The descriptor after a streamed entry's data. */
export function dataDescriptor(t: Omit<EntryTail, 'offset'>, zip64: boolean): Buffer {
  const b = Buffer.allocUnsafe(zip64 ? 24 : 16);
  b.writeUInt32LE(0x08074b50, 0);
  b.writeUInt32LE(t.crc, 4);
  if (zip64) {
    writeUInt64(b, t.compressed, 8);
    writeUInt64(b, t.size, 16);
  } else {
    b.writeUInt32LE(t.compressed, 8);
    b.writeUInt32LE(t.size, 12);
  }
  return b;
}

/** Writes the entry's central directory record into `out` at `at`; returns the offset after it. */
export function writeCentral(out: Buffer, at: number, h: EntryHead, t: EntryTail, forceZip64 = false): number {
  const zip64 = forceZip64 || t.size >= MAX32 || t.compressed >= MAX32 || t.offset >= MAX32;
  const extra = 9 + (zip64 ? 28 : 0);
  const { time, date } = dosTime(h.mtime);
  out.writeUInt32LE(0x02014b50, at);
  out.writeUInt16LE(MADE_BY_UNIX, at + 4);
  out.writeUInt16LE(zip64 || h.local64 ? NEEDS_ZIP64 : NEEDS_V2, at + 6);
  out.writeUInt16LE(h.flags | UTF8_NAMES, at + 8);
  out.writeUInt16LE(h.method, at + 10);
  out.writeUInt16LE(time, at + 12);
  out.writeUInt16LE(date, at + 14);
  out.writeUInt32LE(t.crc, at + 16);
  out.writeUInt32LE(zip64 ? MAX32 : t.compressed, at + 20);
  out.writeUInt32LE(zip64 ? MAX32 : t.size, at + 24);
  out.writeUInt16LE(h.name.length, at + 28);
  out.writeUInt16LE(extra, at + 30);
  out.writeUInt16LE(0, at + 32); // comment
  out.writeUInt16LE(0, at + 34); // disk
  out.writeUInt16LE(0, at + 36); // internal attributes
  out.writeUInt32LE(((h.mode & MAX16) << 16) >>> 0, at + 38);
  out.writeUInt32LE(zip64 ? MAX32 : t.offset, at + 42);
  let p = at + 46 + h.name.copy(out, at + 46);
  p = writeTimestamp(out, p, h.mtime);
  if (zip64) { // all three fields, in the order APPNOTE 4.5.3 gives, since all three say 0xFFFFFFFF
    out.writeUInt16LE(0x0001, p);
    out.writeUInt16LE(24, p + 2);
    writeUInt64(out, t.size, p + 4);
    writeUInt64(out, t.compressed, p + 12);
    writeUInt64(out, t.offset, p + 20);
    p += 28;
  }
  return p;
}

/** The records after the central directory: Zip64 ones when needed, then the classic end record. */
export function endRecords(count: number, cdOffset: number, cdSize: number, forceZip64 = false): Buffer {
  const zip64 = forceZip64 || count >= MAX16 || cdOffset >= MAX32 || cdSize >= MAX32;
  const b = Buffer.alloc((zip64 ? 56 + 20 : 0) + 22);
  let at = 0;
  if (zip64) {
    const recordAt = cdOffset + cdSize;
    b.writeUInt32LE(0x06064b50, 0);
    writeUInt64(b, 44, 4);
    b.writeUInt16LE(MADE_BY_UNIX, 12);
    b.writeUInt16LE(NEEDS_ZIP64, 14);
    // disk numbers (4 + 4) stay 0
    writeUInt64(b, count, 24);
    writeUInt64(b, count, 32);
    writeUInt64(b, cdSize, 40);
    writeUInt64(b, cdOffset, 48);
    b.writeUInt32LE(0x07064b50, 56);
    writeUInt64(b, recordAt, 64);
    b.writeUInt32LE(1, 72);
    at = 76;
  }
  b.writeUInt32LE(0x06054b50, at);
  // Each classic field holds its value when it fits; only a field that overflows says "see Zip64".
  b.writeUInt16LE(Math.min(count, MAX16), at + 8);
  b.writeUInt16LE(Math.min(count, MAX16), at + 10);
  b.writeUInt32LE(Math.min(cdSize, MAX32), at + 12);
  b.writeUInt32LE(Math.min(cdOffset, MAX32), at + 16);
  return b;
}

function writeTimestamp(b: Buffer, at: number, mtime: Date): number {
  b.writeUInt16LE(0x5455, at);
  b.writeUInt16LE(5, at + 2);
  b.writeUInt8(1, at + 4); // the modification time is present
  b.writeUInt32LE(unixSeconds(mtime), at + 5);
  return at + 9;
}

function writeUInt64(b: Buffer, n: number, at: number): void {
  b.writeUInt32LE(n % 0x100000000, at);
  b.writeUInt32LE(Math.floor(n / 0x100000000), at + 4);
}
