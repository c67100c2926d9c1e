// The summary's time and bill as every side words them (protocol/backend/summary.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDuration, summaryFigures } from '../../protocol/backend/index.js';

test('time counts whole minutes like billing; the bill says minutes with an engineer and credits', () => {
  assert.equal(summaryFigures({ durationSeconds: 330, minutes: 3, creditsUsed: 3 }),
    { time: '5 minutes', billed: '3 minutes with an engineer, 3 credits' });
  assert.equal(summaryFigures({ durationSeconds: 119, minutes: 1, creditsUsed: 2 }), { time: '1 minute', billed: '1 minute with an engineer, 2 credits' });
  assert.equal([formatDuration(0), formatDuration(1), formatDuration(59), formatDuration(60)], ['0 seconds', '1 second', '59 seconds', '1 minute']);
});

test.run();
