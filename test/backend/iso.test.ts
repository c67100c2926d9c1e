// `iso` (backend/util.ts) keeps the text of the current second and writes only the milliseconds: it must
// answer exactly what `Date.prototype.toISOString` answers, across seconds, days and years, and for the
// times it leaves to Date (fractions, before 1970, after 9999).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { iso } from '../../backend/util.js';

const test = suite('backend iso timestamps');

test('the same text as toISOString, in order, across second, day and year boundaries', () => {
  const starts = [0, 951_782_399_990, 1_767_225_599_990, Date.now(), 253_402_300_799_990];
  for (const start of starts) {
    for (let ms = start; ms < start + 30; ms++) assert.is(iso(ms), new Date(ms).toISOString(), String(ms));
  }
});

test('random times, and times outside the fast path', () => {
  for (let i = 0; i < 20_000; i++) {
    const ms = Math.floor(Math.random() * 253_402_300_800_000);
    assert.is(iso(ms), new Date(ms).toISOString(), String(ms));
  }
  for (const ms of [-1, -86_400_001, 1.5, 253_402_300_800_000, 8.64e15]) assert.is(iso(ms), new Date(ms).toISOString(), String(ms));
});

test.run();
