// Large outgoing frames (command output) are encoded to UTF-8 at once into a few reused off-heap slabs and
// written as Buffers. Written as strings, each took a fresh malloc of up to 3x its length inside the stream's
// writev (new pages to fault in, every time) and, while the reader lagged, stayed on the JS heap, where the
// young-generation collections copied and then promoted them.

const SLAB_BYTES = 1024 * 1024;
/** Beyond this many slabs in use (a reader far behind), frames go out as strings again: memory stays bounded. */
const MAX_SLABS = 4;
/** A frame that could need more than this many bytes is not put in a slab. */
export const MAX_SLAB_FRAME = SLAB_BYTES / 4;

interface Slab { buf: Buffer; used: number; live: number }

export class OutSlabs {
  private slabs: Slab[] = [];
  private cur: Slab | undefined;

  /** `a` then `b` as UTF-8 in a slab, and the call that frees them once written; undefined if no slab has room. */
  encode(a: string, b: string): { bytes: Buffer; release: () => void } | undefined {
    const worst = 3 * (a.length + b.length); // UTF-8 bytes per UTF-16 unit: at most 3
    if (worst > MAX_SLAB_FRAME) return undefined;
    const slab = this.room(worst);
    if (!slab) return undefined;
    const start = slab.used;
    slab.used += slab.buf.write(a, slab.used, 'utf8');
    slab.used += slab.buf.write(b, slab.used, 'utf8');
    slab.live++;
    let freed = false;
    const release = () => { if (!freed) { freed = true; slab.live--; } };
    return { bytes: slab.buf.subarray(start, slab.used), release };
  }

  private room(need: number): Slab | undefined {
    const fits = (s: Slab) => SLAB_BYTES - s.used >= need;
    if (this.cur && !fits(this.cur) && this.cur.live === 0) this.cur.used = 0;
    if (this.cur && fits(this.cur)) return this.cur;
    let next = this.slabs.find((s) => s.live === 0);
    if (!next && this.slabs.length < MAX_SLABS) this.slabs.push(next = { buf: Buffer.allocUnsafeSlow(SLAB_BYTES), used: 0, live: 0 });
    if (next) next.used = 0;
    this.cur = next;
    return next;
  }
}
