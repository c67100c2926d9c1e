import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { scrub } from '../../agent/log.js';
import { redact } from '../../agent/security/redact.js';

// Tokens as the backend issues them: `cvf_` + base64url, whose alphabet includes '-' and '_'.
const tokens = [
  'cvf_Ab3-x9Y_' + randomBytes(24).toString('base64url'),
  'cvf_-' + randomBytes(29).toString('base64url'),
  'cvf_' + randomBytes(30).toString('base64url').slice(0, 30) + '-_-x',
];

test('every CodeVF token shape is redacted whole, whatever - and _ it holds', () => {
  for (const t of tokens) {
    const r = redact(`export CODEVF_TOKEN=${t}\n`);
    assert.is(r.count >= 1, true, t);
    assert.not.match(r.text, t.slice(4));
    assert.not.match(r.text, t.slice(-8));
  }
});

test('the agent log masks every CodeVF token shape whole', () => {
  for (const t of tokens) {
    const line = scrub(`saved ${t} for host`);
    assert.is(line, 'saved cvf_**** for host');
  }
});

test.run();
