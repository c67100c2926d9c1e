// Framing for JSON-RPC on byte streams: Content-Length headers (LSP) or newline-delimited JSON (ACP, scripts).
// Decoders are incremental and linear: each byte is scanned a bounded number of times, whatever the burst.

export type Framing = 'content-length' | 'ndjson';

/** What a decoder yields: a message's JSON text, or a framing error to answer with -32700. */
export type Frame = { text: string } | { error: string; continues?: true };

/** Largest single message accepted; beyond it the frame is skipped and reported. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface Decoder {
  push(chunk: Buffer): Frame[];
}

/** Content-Length framing, or undefined until enough bytes have arrived to tell. */
export function detectFraming(head: Buffer): Framing | undefined {
  const text = head.toString('latin1').replace(/^\s+/, '');
  if (!text) return undefined;
  const probe = 'content-length';
  const start = text.slice(0, probe.length).toLowerCase();
  if (probe.startsWith(start)) return start.length === probe.length ? 'content-length' : undefined;
  if (/^content-type/i.test(text) || /^content-t/i.test(text)) return 'content-length';
  return 'ndjson';
}

/** Bytes a decoder keeps between pushes (the start of a message still arriving), copied into memory of its own:
 *  a decoder never holds on to a chunk it was given once `push` returns, so input may be read into one reused
 *  buffer (a socket with `onread`) instead of a fresh allocation per read. A message split across reads is
 *  decoded from these contiguous bytes, exactly as the joined bytes decode (a character split between reads too). */
class Held {
  private buf = Buffer.alloc(0);
  length = 0;

  append(src: Buffer, from = 0, to = src.length) {
    const n = to - from;
    if (!n) return;
    if (this.length + n > this.buf.length) {
      const next = Buffer.allocUnsafeSlow(Math.max(this.length + n, 2 * this.buf.length, 64 * 1024));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    src.copy(this.buf, this.length, from, to);
    this.length += n;
  }

  /** The held bytes, valid until the next change. */
  view(): Buffer { return this.buf.subarray(0, this.length); }

  text(): string { return this.buf.toString('utf8', 0, this.length); }

  /** Forgets the first `n` bytes. */
  drop(n: number) {
    if (n >= this.length) this.length = 0;
    else if (n > 0) { this.buf.copy(this.buf, 0, n, this.length); this.length -= n; }
    // Memory of a rare huge message is not kept for good; up to HELD_KEEP is, for the next one.
    if (!this.length && this.buf.length > HELD_KEEP) this.buf = Buffer.alloc(0);
  }

  clear() { this.drop(this.length); }
}

/** Memory a decoder keeps for messages split across reads once they are decoded: command output comes as
 *  messages of 64 KiB and more, each spread over several reads. */
const HELD_KEEP = 1024 * 1024;

export class NdjsonDecoder implements Decoder {
  private line = new Held();
  private overflow = false;

  push(chunk: Buffer): Frame[] {
    const out: Frame[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      this.take(chunk, start, nl, out, true);
      start = nl + 1;
    }
    if (start < chunk.length) this.take(chunk, start, chunk.length, out, false);
    return out;
  }

  private take(chunk: Buffer, from: number, to: number, out: Frame[], endOfLine: boolean) {
    if (!this.overflow && this.line.length + (to - from) > MAX_MESSAGE_BYTES) { this.overflow = true; this.line.clear(); }
    if (!endOfLine) {
      if (!this.overflow) this.line.append(chunk, from, to);
      return;
    }
    if (this.overflow) out.push({ error: `message larger than ${MAX_MESSAGE_BYTES} bytes` });
    else {
      let text: string;
      if (this.line.length) { this.line.append(chunk, from, to); text = this.line.text(); } else text = chunk.toString('utf8', from, to);
      text = text.trim();
      if (text) out.push({ text });
    }
    this.line.clear();
    this.overflow = false;
  }
}

const HEADER_LINE = /^[A-Za-z][A-Za-z0-9-]*[ \t]*:[^\r\n]*$/;
const HEADER_START = /^(?:[A-Za-z][A-Za-z0-9-]*(?:[ \t]*:[^\r\n]*)?)?\r?$/; // a line still arriving
const LENGTH_LINE = /^content-length[ \t]*:[ \t]*(\d+)[ \t]*$/i;
// A header line with its raw CRLF can never sit inside valid JSON (a raw CR is illegal in a string and a bare
// name is illegal outside one), so finding one in a body proves the length covered the next frame.
const HEADER_IN_BODY = /content-length[ \t]*:[ \t]*\d+[ \t]*\r\n/i;
const MAX_HEADER_BYTES = 8192;

/** Content-Length framing (LSP) that recovers from a damaged frame: a bad header block, LF-only headers, a
 *  length shorter or longer than the body. It reports the frame once and scans to the next `Content-Length:`.
 *  An error frame with `continues` directly follows a delivered body: if that body was already reported as
 *  unparseable, it is the same damaged frame and is not reported again. */
export class ContentLengthDecoder implements Decoder {
  private held = new Held(); // unconsumed bytes of earlier pushes (from the start of a body when one is awaited)
  private need = -1; // body length once headers are read
  private skip = 0; // bytes of an oversized body still to discard
  private scanning = false; // discarding bytes up to the next `content-length`
  private damagedUntil = 0; // bytes before this offset (of the current buffer) belong to a reported frame
  private afterBody = false; // the last thing consumed was a delivered body

  push(chunk: Buffer): Frame[] {
    const out: Frame[] = [];
    if (this.skip) {
      const n = Math.min(this.skip, chunk.length);
      this.skip -= n;
      chunk = chunk.subarray(n);
      if (!chunk.length) return out;
    }
    const held = this.held;
    if (this.need >= 0 && held.length + chunk.length < this.need) { held.append(chunk); return out; } // a large body still arriving
    if (!held.length) return this.parse(chunk, out, false);
    if (this.need > 0) {
      const rest = this.bodyAcross(chunk, out);
      if (rest) return this.parse(rest, out, false);
    }
    held.append(chunk);
    return this.parse(held.view(), out, true);
  }

  /** Cuts frames from `buf` (the held bytes, or a chunk when nothing is held); keeps the rest, copied. */
  private parse(buf: Buffer, out: Frame[], fromHeld: boolean): Frame[] {
    let pos = 0;
    for (;;) {
      if (this.scanning) {
        const at = findLength(buf, pos + 1);
        if (at === -1) { pos = Math.max(pos, buf.length - 16); break; } // keep a tail: the name may be split
        this.scanning = false;
        pos = at;
        this.afterBody = false;
      }
      if (this.need < 0) {
        while (pos < buf.length && (buf[pos] === 13 || buf[pos] === 10 || buf[pos] === 32 || buf[pos] === 9)) pos++;
        if (pos >= buf.length) break;
        const r = readHeaders(buf, pos);
        if (r === 'wait') break;
        if (typeof r === 'object' && 'bad' in r) {
          this.damaged(out, pos, r.bad, r.until);
          continue;
        }
        this.afterBody = false;
        const { len, end } = r as { len: number; end: number };
        pos = end;
        if (len > MAX_MESSAGE_BYTES) {
          out.push({ error: `message larger than ${MAX_MESSAGE_BYTES} bytes` });
          const n = Math.min(buf.length - pos, len);
          pos += n;
          this.skip = len - n;
          this.damagedUntil = pos;
          continue;
        }
        this.need = len;
      }
      if (buf.length - pos < this.need) break;
      const bodyEnd = pos + this.need;
      this.need = -1;
      const next = nextHeaderInBody(buf, pos, bodyEnd);
      if (next !== -1) { // the length was too long: this frame ends where the next one's header starts
        out.push({ error: 'Content-Length longer than the message; the next header was inside the body' });
        pos = next;
        this.damagedUntil = bodyEnd;
        this.afterBody = false;
        continue;
      }
      out.push({ text: buf.toString('utf8', pos, bodyEnd) });
      pos = bodyEnd;
      this.afterBody = true;
    }
    this.damagedUntil = Math.max(0, this.damagedUntil - pos);
    if (fromHeld) this.held.drop(pos);
    else this.held.append(buf, pos);
    return out;
  }

  /** A body that began in earlier chunks (held) and ends in `chunk`, decoded from the held bytes and the end
   *  appended to them: command output comes as bodies of 64 KiB and more, each spread over several reads. Returns
   *  what of `chunk` follows the body, or undefined, changing nothing, when the body may hold the next frame's
   *  header: the caller then appends all of `chunk` and looks for it there. */
  private bodyAcross(chunk: Buffer, out: Frame[]): Buffer | undefined {
    const cut = this.need - this.held.length; // where the body ends in `chunk`
    const end = chunk.subarray(0, cut);
    if (!endsLikeMessage([this.held.view(), end])) return undefined;
    this.held.append(end);
    out.push({ text: this.held.text() });
    this.damagedUntil = Math.max(0, this.damagedUntil - this.held.length);
    this.held.clear();
    this.need = -1;
    this.afterBody = true;
    return chunk.subarray(cut);
  }

  /** Reports a damaged frame once (not bytes of one already reported), then scans to the next header. */
  private damaged(out: Frame[], pos: number, why: string, until: number) {
    if (pos >= this.damagedUntil) out.push(this.afterBody ? { error: why, continues: true } : { error: why });
    this.damagedUntil = Math.max(this.damagedUntil, until);
    this.afterBody = false;
    this.scanning = true;
  }
}

/** Where a header starts inside the body [pos, end), or -1. A body that ends like a JSON-RPC message (`}` or
 *  `]`) is trusted unless it holds a raw CR: the test costs two byte searches per frame. */
function nextHeaderInBody(buf: Buffer, pos: number, end: number): number {
  let last = end - 1;
  while (last > pos && (buf[last] === 32 || buf[last] === 10 || buf[last] === 13 || buf[last] === 9)) last--;
  const closed = buf[last] === 125 || buf[last] === 93;
  const cr = buf.indexOf(13, pos);
  if (closed && (cr === -1 || cr >= end)) return -1;
  if (closed) {
    const m = HEADER_IN_BODY.exec(buf.toString('latin1', pos, end));
    return m ? pos + m.index : -1;
  }
  // The name may run past the cut: look a little beyond it.
  const i = buf.toString('latin1', pos, Math.min(buf.length, end + 13)).toLowerCase().indexOf('content-length', 1);
  return i === -1 || i >= end - pos ? -1 : pos + i;
}

/** The same test as `nextHeaderInBody`'s fast path, over a body in pieces: it ends with `}` or `]` (then
 *  whitespace) and holds no raw CR, so no header can hide in it. */
function endsLikeMessage(parts: Buffer[]): boolean {
  for (const p of parts) if (p.indexOf(13) !== -1) return false;
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i];
    let j = p.length - 1;
    while (j >= 0 && (p[j] === 32 || p[j] === 10 || p[j] === 9)) j--;
    if (j >= 0) return p[j] === 125 || p[j] === 93;
  }
  return false;
}

/** Offset of the next `content-length` (any case) at or after `from`, or -1. */
function findLength(buf: Buffer, from: number): number {
  if (from >= buf.length) return -1;
  const i = buf.toString('latin1', from).toLowerCase().indexOf('content-length');
  return i === -1 ? -1 : from + i;
}

type HeaderRead = 'wait' | { len: number; end: number } | { bad: string; until: number };

/** Reads the header block at `pos`: its body length and where the body starts, 'wait' for more bytes, or why
 *  it is damaged and up to where its bytes belong to it. */
function readHeaders(buf: Buffer, pos: number): HeaderRead {
  const end = buf.indexOf('\r\n\r\n', pos, 'latin1');
  const stop = end === -1 ? Math.min(buf.length, pos + MAX_HEADER_BYTES + 4) : end;
  const lines = buf.toString('latin1', pos, stop).split('\r\n');
  let offset = pos;
  let len: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const last = end === -1 && i === lines.length - 1;
    if (!(last ? HEADER_START : HEADER_LINE).test(line)) {
      return { bad: line.includes('\n') ? 'header lines must end with CRLF, not LF' : 'not a header line where a header block was expected', until: offset + 1 };
    }
    const m = last ? null : LENGTH_LINE.exec(line);
    if (m) len = Number(m[1]);
    offset += line.length + 2;
  }
  if (end === -1) return stop - pos > MAX_HEADER_BYTES ? { bad: 'header block too long or not terminated by CRLF CRLF', until: stop } : 'wait';
  if (len === undefined) return { bad: 'missing or invalid Content-Length header', until: end + 4 };
  return { len, end: end + 4 };
}

export function createDecoder(framing: Framing): Decoder {
  return framing === 'ndjson' ? new NdjsonDecoder() : new ContentLengthDecoder();
}

/** One message's bytes on the wire. JSON.stringify never emits a raw newline, so NDJSON is safe. */
export function encode(framing: Framing, json: string): string {
  return framePieces(framing, json).join('');
}

/** The same bytes as two pieces to write in order (one corked writev): joining a large message to its header
 *  or newline would copy all of it once more. */
export function framePieces(framing: Framing, json: string): [string, string] {
  return framing === 'ndjson' ? [json, '\n'] : [`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n`, json];
}
