// The hand check of chat message frames (backend/tasks/ws.ts) covers only what today's schemas declare: a
// message `{text}` with a length-checked string. Whatever a schema adds later must turn it off (every frame
// then goes through zod), not be skipped silently.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { handCheckable } from '../../backend/tasks/ws.js';
import { CustomerAction, CustomerMessage, EngineerAction, EngineerMessage } from '../../protocol/backend/index.js';

const test = suite('backend hand check of message frames');

const action = (message: z.ZodObject, variant = z.object({ type: z.literal('customer_message'), payload: message })) =>
  z.discriminatedUnion('type', [variant, z.object({ type: z.literal('other'), payload: z.object({}) })]);
const text = () => z.string().min(1).max(20_000);
const check = (message: z.ZodObject, a = action(message)) => handCheckable(a, 'customer_message', message);

test('today\'s message schemas are covered', () => {
  assert.ok(handCheckable(CustomerAction, 'customer_message', CustomerMessage));
  assert.ok(handCheckable(EngineerAction, 'engineer_message', EngineerMessage));
  assert.ok(check(z.object({ text: text() })));
});

test('a text check other than lengths, an extra field, a strict or refined object turn it off', () => {
  const refused: [string, z.ZodObject][] = [
    ['regex', z.object({ text: text().regex(/^\S/) })],
    ['refine', z.object({ text: text().refine((s) => s !== 'x') })],
    ['trim', z.object({ text: text().trim() })],
    ['toLowerCase', z.object({ text: text().toLowerCase() })],
    ['email', z.object({ text: z.email() })],
    ['optional', z.object({ text: text().optional() })],
    ['transform', z.object({ text: text().transform((s) => s.toUpperCase()) })],
    ['extra field', z.object({ text: text(), lang: z.string().optional() })],
    ['strict', z.object({ text: text() }).strict()],
    ['passthrough', z.object({ text: text() }).passthrough()],
    ['refined object', z.object({ text: text() }).refine((m) => m.text !== 'x')],
  ];
  for (const [what, m] of refused) assert.not.ok(check(m), what);
});

test('a message variant with another field, another payload or a check on the union turns it off', () => {
  const m = z.object({ text: text() });
  const extra = z.object({ type: z.literal('customer_message'), payload: m, at: z.number().optional() });
  assert.not.ok(check(m, action(m, extra)), 'extra field on the action');
  assert.not.ok(check(m, action(z.object({ text: text() }))), 'the action holds another message schema');
  assert.not.ok(check(m, action(m).refine(() => true) as unknown as ReturnType<typeof action>), 'refined union');
  assert.not.ok(handCheckable(action(m), 'engineer_message', m), 'no variant of that type');
});

test.run();
