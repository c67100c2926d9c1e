// Builds the OpenRPC document from the registry. Pure: the agent serves it (rpc.discover), `npm run gen` writes it.
import * as z from 'zod';
import type { AnyDef, AnyNotificationDef, AnyRequestDef, ZodSchema } from './define.js';
import { ErrorCode, ErrorReasons } from './errors.js';
import { notifications, requests } from './index.js';
import { PROTOCOL_VERSION } from './version.js';

type Json = Record<string, unknown>;

export function jsonSchema(schema: ZodSchema, io: 'input' | 'output'): Json {
  const s = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Json;
  delete s.$schema;
  return s;
}

/** A zod object's top-level fields as OpenRPC by-name params. */
function paramDescriptors(def: AnyDef) {
  const s = jsonSchema(def.params, 'input');
  const obj = (s.anyOf as Json[] | undefined)?.find((x) => x.type === 'object') ?? s;
  const props = (obj.properties ?? {}) as Record<string, Json>;
  const required = new Set((obj.required ?? []) as string[]);
  return Object.entries(props).map(([name, schema]) => ({
    name, required: required.has(name), schema, ...(schema.description ? { description: schema.description } : {}),
  }));
}

function requestEntry(def: AnyRequestDef) {
  return {
    name: def.method,
    summary: def.summary,
    paramStructure: 'by-name',
    params: paramDescriptors(def),
    result: { name: `${def.typeName}Result`, schema: jsonSchema(def.result, 'output') },
    examples: def.examples.map((ex, i) => ({
      name: ex.name ?? `${def.method} example ${i + 1}`,
      params: Object.entries((ex.params ?? {}) as Json).map(([name, value]) => ({ name, value })),
      result: { name: `${def.typeName}Result`, value: ex.result },
    })),
    'x-direction': def.direction,
    'x-kind': 'request',
    ...(def.errors?.length ? { 'x-error-reasons': def.errors } : {}),
  };
}

function notificationEntry(def: AnyNotificationDef) {
  return {
    name: def.method,
    summary: def.summary,
    paramStructure: 'by-name',
    params: paramDescriptors(def),
    'x-direction': def.direction,
    'x-kind': 'notification',
  };
}

export function buildOpenRpc() {
  return {
    openrpc: '1.3.2',
    info: {
      title: 'CodeVF agent protocol',
      version: PROTOCOL_VERSION,
      description: 'JSON-RPC 2.0 on stdio (Content-Length or newline-delimited framing). Generated from protocol/; do not edit. '
        + '`x-direction` says who sends a message; `x-kind` whether it is a request or a notification; '
        + '`x-error-reasons` lists every `error.data.reason` (per method: those it may answer with).',
    },
    methods: [...requests.map(requestEntry), ...notifications.map(notificationEntry)],
    components: {
      errors: Object.fromEntries(Object.entries(ErrorCode).map(([name, code]) => [name, { code, message: name }])),
    },
    /** Every `error.data.reason` the agent can send, with its meaning; each method lists its own. */
    'x-error-reasons': ErrorReasons,
  };
}
