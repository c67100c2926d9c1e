// Framing for JSON-RPC on byte streams: Content-Length headers (LSP) or newline-delimited JSON (ACP, scripts).
// Decoders are incremental and linear: each byte is scanned a bounded number of times, whatever the burst.

export type Framing = 'content-length' | 'ndjson';

/** What a decoder yields: a message's JSON text, or a framing error to answer with -32700. */
export type Frame = { text: string } | { error: string };

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

export class NdjsonDecoder implements Decoder {
  private parts: Buffer[] = [];
  private size = 0;
  private overflow = false;

  push(chunk: Buffer): Frame[] {
    const out: Frame[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      this.take(chunk.subarray(start, nl), out, true);
      start = nl + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start), out, false);
    return out;
  }

  private take(piece: Buffer, out: Frame[], endOfLine: boolean) {
    if (!this.overflow) {
      this.size += piece.length;
      if (this.size > MAX_MESSAGE_BYTES) { this.overflow = true; this.parts = []; }
      else this.parts.push(piece);
    }
    if (!endOfLine) return;
    if (this.overflow) out.push({ error: `message larger than ${MAX_MESSAGE_BYTES} bytes` });
    else {
      const line = (this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts)).toString('utf8').trim();
      if (line) out.push({ text: line });
    }
    this.parts = []; this.size = 0; this.overflow = false;
  }
}

export class ContentLengthDecoder implements Decoder {
  private pending: Buffer[] = []; // unconsumed bytes, joined only once a whole frame can be cut
  private pendingLen = 0;
  private need = -1; // body length once headers are read
  private skip = 0; // bytes of an oversized body still to discard

  push(chunk: Buffer): Frame[] {
    const out: Frame[] = [];
    if (this.skip) {
      const n = Math.min(this.skip, chunk.length);
      this.skip -= n;
      chunk = chunk.subarray(n);
      if (!chunk.length) return out;
    }
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    if (this.need >= 0 && this.pendingLen < this.need) return out; // a large body still arriving: no copying
    let buf = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingLen);
    let pos = 0;
    for (;;) {
      if (this.need < 0) {
        const end = buf.indexOf('\r\n\r\n', pos, 'latin1');
        if (end === -1) {
          if (buf.length - pos > 8192) { out.push({ error: 'header block too long or not terminated by CRLF CRLF' }); pos = buf.length; }
          break;
        }
        const headers = buf.toString('latin1', pos, end);
        pos = end + 4;
        const m = /(?:^|\r\n)\s*content-length\s*:\s*(\d+)\s*(?:\r\n|$)/i.exec(headers);
        if (!m) { out.push({ error: 'missing or invalid Content-Length header' }); continue; }
        const len = Number(m[1]);
        if (len > MAX_MESSAGE_BYTES) {
          out.push({ error: `message larger than ${MAX_MESSAGE_BYTES} bytes` });
          const n = Math.min(buf.length - pos, len);
          pos += n;
          this.skip = len - n;
          continue;
        }
        this.need = len;
      }
      if (buf.length - pos < this.need) break;
      out.push({ text: buf.toString('utf8', pos, pos + this.need) });
      pos += this.need;
      this.need = -1;
    }
    buf = buf.subarray(pos);
    this.pending = buf.length ? [buf] : [];
    this.pendingLen = buf.length;
    return out;
  }
}

export function createDecoder(framing: Framing): Decoder {
  return framing === 'ndjson' ? new NdjsonDecoder() : new ContentLengthDecoder();
}

/** One message's bytes on the wire. JSON.stringify never emits a raw newline, so NDJSON is safe. */
export function encode(framing: Framing, json: string): string {
  return framing === 'ndjson' ? json + '\n' : `Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`;
}
