import assert from 'node:assert/strict';
import { test } from 'uvu';
import { Arena, type Slice } from '../../agent/snapshot/arena.js';

test('slices freed in order are reused around the ring and never overlap live ones', () => {
  const arena = new Arena(1000);
  const live: { s: Slice; fill: number }[] = [];
  const first = arena.alloc(1);
  const ring = first.data.buffer;
  first.release();
  let fresh = 0;
  let x = 7;
  for (let i = 0; i < 5000; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (x % 300);
    const s = arena.alloc(n);
    if (s.data.buffer !== ring) fresh++;
    s.data.fill(i & 0xff);
    live.push({ s, fill: i & 0xff });
    while (live.length > 3 || (live.length > 0 && x % 5 === 0 && live.length > 1)) {
      const old = live.shift()!;
      assert.ok(old.s.data.every((b) => b === old.fill), 'a live slice was overwritten');
      old.s.release();
    }
  }
  assert.ok(fresh < 2500, `fell back to fresh buffers ${fresh} times`);
});

test('slices released out of order free space only once every older slice is released', () => {
  const arena = new Arena(100);
  const a = arena.alloc(40);
  const b = arena.alloc(40);
  b.release();
  const c = arena.alloc(40); // no room: a still holds the start, b's space is behind it
  assert.notEqual(c.data.buffer, a.data.buffer);
  a.release();
  const d = arena.alloc(60);
  assert.equal(d.data.buffer, a.data.buffer);
  assert.equal(d.data.byteOffset - a.data.byteOffset, 0);
});

test.run();
