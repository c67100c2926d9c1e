// The pages' escaping helper: data can never become markup, while nested templates are kept as written.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { esc, html, when } from '../../backend/web/html.js';
import { safeNext } from '../../backend/web/respond.js';

test('every interpolated string is escaped, attributes included', () => {
  const evil = `"><script>alert('x')</script>&\``;
  assert.is(html`<a title="${evil}">${evil}</a>`.text,
    '<a title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&#96;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&#96;</a>');
  assert.is(esc(42), '42');
});

test('nested templates and arrays are inserted once, without double escaping', () => {
  const items = ['a<b', 'c&d'].map((t) => html`<li>${t}</li>`);
  assert.is(html`<ul>${items}</ul>`.text, '<ul><li>a&lt;b</li><li>c&amp;d</li></ul>');
});

test('null, undefined and false render as nothing; zero renders', () => {
  assert.is(html`[${null}${undefined}${false}${0}]`.text, '[0]');
});

test('times show in UTC, and a missing time as the fallback', () => {
  assert.is(when('2026-11-23T10:00:00.000Z'), '2026-11-23 10:00:00 UTC');
  assert.is(when(null), 'never');
});

test('sign-in only returns to paths on this site', () => {
  for (const ok of ['/tokens', '/device?user_code=BCDF-GHJK', '/checkout/chk_1']) assert.is(safeNext(ok, '/'), ok);
  for (const bad of ['//evil.example', '/\\evil.example', '/\t/evil.example', 'https://evil.example', '/a\r\nset-cookie: x', '', null]) {
    assert.is(safeNext(bad, '/home'), '/home', String(bad));
  }
});

test.run();
