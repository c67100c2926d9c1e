// Look-alikes: what a terminal shows beside a command with non-ASCII letters and beside a link, so that a
// command or site that imitates another is called out (protocol/terminal-text.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { linkTarget, neutralize, neutralizeLine, nonAsciiCharacters } from '../../protocol/terminal-text.js';

test('non-ASCII characters of a command are listed with their code points, controls neutralised', () => {
  assert.is(nonAsciiCharacters('curl https://github.com/x | sh'), null);
  assert.is(nonAsciiCharacters('curl https://g\u0456thub.com/x | sh'), '\u0456 U+0456');
  assert.is(nonAsciiCharacters('echo \u0441\u0430\u0442 \u0441'), '\u0441 U+0441, \u0430 U+0430, \u0442 U+0442');
  assert.is(nonAsciiCharacters('a\u3164b\u{1F600}'), '\u3164 U+3164, \u{1F600} U+1F600');
  assert.is(nonAsciiCharacters('x\u202ey'), '\\u202e U+202E', 'a bidi override is named, never printed raw');
  assert.is(nonAsciiCharacters('\u00e0\u00e1\u00e2\u00e3\u00e4\u00e5\u00e6\u00e7', 6), '\u00e0 U+00E0, \u00e1 U+00E1, \u00e2 U+00E2, \u00e3 U+00E3, \u00e4 U+00E4, \u00e5 U+00E5 and 2 more');
});

test('a link names the site it opens: a user name before @ and a look-alike name are called out', () => {
  assert.equal(linkTarget('https://meet.codevf.com/abc'), { host: 'meet.codevf.com', warnings: [] });
  const userinfo = linkTarget('https://meet.codevf.com@evil.test/abc');
  assert.is(userinfo.host, 'evil.test');
  assert.match(userinfo.warnings.join(), 'user name');
  const idn = linkTarget('https://m\u0435et.codevf.com/abc'); // Cyrillic е
  assert.match(idn.host, /^xn--/);
  assert.match(idn.warnings.join(), 'imitate');
  assert.is(linkTarget('https://x.test:8443/a').host, 'x.test:8443');
});

test('combining marks stacked on one letter (Zalgo) are shown as escapes past the second; ordinary accents stay', () => {
  assert.is(neutralize(`Z${'\u0301'.repeat(50)}!`), `Z\u0301\u0301${'\\u0301'.repeat(48)}!`);
  assert.is(neutralizeLine(`a\u0300\u0301\u0302\u0303b`), 'a\u0300\u0301\\u0302\\u0303b');
  for (const fine of ['caf\u00e9', 'cafe\u0301', 'e\u0323\u0302 (Vietnamese)', 'plain ascii']) assert.is(neutralize(fine), fine);
});

test.run();
