// Raw deflate for zip entries, synchronous, with one zlib context reused for every entry and output
// written into one buffer we own. Node's public zlib API allocates a context (~300 KiB) per call and a
// fresh output Buffer per chunk; over thousands of files those allocations, freed only when V8 gets to
// them, were most of the snapshot's peak memory. So this drives the zlib binding under a DeflateRaw
// stream directly (`_handle.writeSync`, `_handle.reset`: the calls Node's own `zlib.*Sync` make, unchanged
// since Node 10). It is checked once per process against `inflateRawSync`; if the binding ever differs,
// the portable path (public `deflateRawSync` per entry) takes over and the zip is the same.
import zlib from 'node:zlib';

/** Receives compressed bytes; the view is only valid during the call. */
export type Emit = (chunk: Buffer) => void;

export interface Deflater {
  readonly kind: 'reused-context' | 'portable';
  /** Feeds an entry's bytes; `last` ends the entry's deflate stream and readies the next entry. */
  write(input: Buffer, last: boolean, emit: Emit): void;
  close(): void;
}

interface Binding {
  writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
  reset(): void;
  close(): void;
}

const { Z_NO_FLUSH, Z_FINISH } = zlib.constants;
const OUT_BYTES = 64 * 1024;

class ReusedContext implements Deflater {
  readonly kind = 'reused-context';
  private readonly stream: zlib.DeflateRaw;
  private readonly binding: Binding;
  private readonly state: Uint32Array;
  private readonly out: Buffer;
  /** Mid-entry: the next write continues a deflate stream. */
  private open = false;

  constructor(level: number, private readonly outBytes = OUT_BYTES) {
    this.out = Buffer.allocUnsafeSlow(outBytes);
    // chunkSize is the stream's own output buffer, which this class never uses.
    this.stream = zlib.createDeflateRaw({ level, chunkSize: 64 });
    const internals = this.stream as unknown as { _handle?: Binding; _writeState?: Uint32Array };
    if (typeof internals._handle?.writeSync !== 'function' || typeof internals._handle.reset !== 'function'
      || !(internals._writeState instanceof Uint32Array)) {
      this.stream.close();
      throw new Error('zlib binding not as expected');
    }
    this.binding = internals._handle;
    this.state = internals._writeState;
    this.stream.on('error', () => undefined); // reported synchronously through `errored`, below
  }

  write(input: Buffer, last: boolean, emit: Emit): void {
    // A zlib error destroys the stream and closes its handle at once; writing to it again would abort
    // the process, so every write checks first.
    const failed = () => (this.stream.destroyed ? this.stream.errored ?? new Error('zlib failed') : null);
    if (failed()) throw failed();
    // An entry that ended early (an error while it was being zipped) leaves a stream half written.
    if (!this.open) this.binding.reset();
    this.open = true;
    const flush = last ? Z_FINISH : Z_NO_FLUSH;
    let inOff = 0;
    let inLen = input.length;
    for (;;) {
      this.binding.writeSync(flush, input, inOff, inLen, this.out, 0, this.outBytes);
      if (failed()) throw failed();
      const [outLeft, inLeft] = this.state;
      if (outLeft < this.outBytes) emit(this.out.subarray(0, this.outBytes - outLeft));
      inOff += inLen - inLeft;
      inLen = inLeft;
      // Room left in the output means zlib took all the input it could (and, with Z_FINISH, ended the stream).
      if (outLeft !== 0) break;
    }
    if (last) this.open = false;
  }

  close(): void { this.stream.close(); }
}

/** Public API only: each entry is gathered and deflated in one `deflateRawSync` call. */
class Portable implements Deflater {
  readonly kind = 'portable';
  private parts: Buffer[] = [];

  constructor(private readonly level: number) {}

  write(input: Buffer, last: boolean, emit: Emit): void {
    this.parts.push(last && this.parts.length === 0 ? input : Buffer.from(input));
    if (!last) return;
    const whole = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    this.parts = [];
    emit(zlib.deflateRawSync(whole, { level: this.level }));
  }

  close(): void { this.parts = []; }
}

let reusable: boolean | undefined;

/**
 * The Node majors CI tests the private path on (scripts/test-node-versions.mjs runs 22 and 24 beside 20).
 * bench:snapshot BENCH_PART=deflate measured the public path's peak over 100 MiB on them, so the private
 * path stays there; any other major takes the public path.
 */
export const PRIVATE_ZLIB_MAJORS: readonly number[] = [20, 22, 24];

/** Whether the reused-context path may be used here and produces exactly what zlib inflates back (checked once). */
function reusedContextWorks(): boolean {
  if (reusable !== undefined) return reusable;
  if (!PRIVATE_ZLIB_MAJORS.includes(Number(process.versions.node.split('.')[0]))) return (reusable = false);
  try {
    // Text, nothing at all, and noise that fills the (here small) output buffer several times.
    const d = new ReusedContext(6, 512);
    const noise = Buffer.allocUnsafe(3000);
    for (let i = 0, x = 1; i < noise.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; noise[i] = x & 255; }
    const samples = [Buffer.alloc(20_000, 'snapshot zip '), Buffer.alloc(0), noise];
    reusable = samples.every((s) => {
      const parts: Buffer[] = [];
      d.write(s, true, (c) => parts.push(Buffer.from(c)));
      return zlib.inflateRawSync(Buffer.concat(parts)).equals(s);
    });
    d.close();
  } catch {
    reusable = false;
  }
  return reusable;
}

export function createDeflater(level: number, prefer: 'auto' | 'portable' = 'auto'): Deflater {
  return prefer === 'auto' && reusedContextWorks() ? new ReusedContext(level) : new Portable(level);
}

// ---- CRC-32: zlib's (Node 20.15+, 22.2+), else a table ----
let table: Int32Array | undefined;

function crc32Table(data: Uint8Array, crc: number): number {
  if (!table) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let c = ~crc;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `data`, continuing from `crc` (0 to start). */
export const crc32: (data: Uint8Array, crc?: number) => number = native ? (d, c = 0) => native(d, c) : (d, c = 0) => crc32Table(d, c);
export { crc32Table as crc32Portable };
