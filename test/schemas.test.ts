import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { notifications, requests } from '../protocol/index.js';
import { VERSION } from '../protocol/version.js';

// The formats zod writes (date-time, email, uri, uuid, ...) are checked, not warned about and ignored.
const ajv = ajvFormats.default(new Ajv2020({ strict: false, allErrors: true })); // CommonJS: the plugin is .default
const load = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
const compile = (file: string) => compiled.get(file) ?? compiled.set(file, ajv.compile(load(file))).get(file)!;

function validate(file: string, value: unknown, label: string) {
  const check = compile(file);
  assert.ok(check(value), `${label} does not match ${file}: ${ajv.errorsText(check.errors)}`);
}

test('every request has an example under schemas/examples/ that validates against its generated JSON Schema', () => {
  for (const def of requests) {
    const ex = load(`schemas/examples/${def.typeName}.json`);
    assert.is(ex.method, def.method);
    assert.ok(ex.examples.length >= 1, `${def.method} has no example`);
    for (const e of ex.examples) {
      if (e.params !== undefined) validate(`schemas/json/${def.typeName}Params.json`, e.params, `${def.method} params`);
      validate(`schemas/json/${def.typeName}Result.json`, e.result, `${def.method} result`);
      assert.ok(def.params.safeParse(e.params).success && def.result.safeParse(e.result).success, `${def.method} example fails zod`);
    }
  }
});

test('every notification has an example that validates against its generated JSON Schema', () => {
  for (const def of notifications) {
    const ex = load(`schemas/examples/${def.typeName}.json`);
    for (const e of ex.examples) validate(`schemas/json/${def.typeName}Notification.json`, e.params, `${def.method} params`);
  }
});

test('generated schemas reject what zod rejects: a missing required field and a wrong type', () => {
  const check = compile('schemas/json/InitializeParams.json');
  assert.not.ok(check({}));
  assert.not.ok(check({ clientInfo: { name: 1, version: '1' } }));
  assert.ok(check({ clientInfo: { name: 'x', version: '1' } }));
});

test('every method name is written once: the methods table lists exactly the registry', () => {
  const table = load('schemas/methods.json').methods;
  assert.equal(Object.keys(table).sort(), [...requests, ...notifications].map((d) => d.method).sort());
});

test('the protocol VERSION equals package.json version', () => {
  assert.is(VERSION, load('package.json').version);
});

test.run();
