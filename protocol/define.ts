// Each method and notification is declared once, as data: wire name, zod schemas, direction, examples.
// Agent, front ends, backend, tests and the schema generator all import these values.
import type * as z from 'zod/v4/core';
import type { ErrorReason } from './errors.js';

/** A zod schema of either API: classic (`zod`) or mini (`zod/mini`, what the startup path is written in).
 *  Both are core schemas that parse with `safeParse`. */
export type ZodSchema = z.$ZodType & { safeParse(data: unknown): z.util.SafeParseResult<unknown> };

/** Who sends a message: the front end (client) to the agent, or the agent to the front end. */
export type Direction = 'client-to-agent' | 'agent-to-client';

export interface RequestExample<P extends ZodSchema, R extends ZodSchema> {
  name?: string;
  params: z.input<P>;
  result: z.input<R>;
}

export interface RequestDef<P extends ZodSchema = ZodSchema, R extends ZodSchema = ZodSchema, M extends string = string> {
  kind: 'request';
  /** The wire name, kept as its literal type so a table keyed by it can be checked for exhaustiveness. */
  method: M;
  /** PascalCase stem for generated type names: `${typeName}Params`, `${typeName}Result`. */
  typeName: string;
  summary: string;
  direction: Direction;
  params: P;
  result: R;
  examples: [RequestExample<P, R>, ...RequestExample<P, R>[]];
  /** Application error reasons this method may answer with (documented in OpenRPC). */
  errors?: readonly ErrorReason[];
}

export interface NotificationDef<P extends ZodSchema = ZodSchema, M extends string = string> {
  kind: 'notification';
  method: M;
  typeName: string;
  summary: string;
  direction: Direction;
  params: P;
  examples: [z.input<P>, ...z.input<P>[]];
}

export type AnyRequestDef = RequestDef<ZodSchema, ZodSchema>;
export type AnyNotificationDef = NotificationDef<ZodSchema>;
export type AnyDef = AnyRequestDef | AnyNotificationDef;

/** `$/cancel_request` -> `CancelRequest`, `rpc.discover` -> `RpcDiscover`. */
export function typeNameOf(method: string): string {
  return method.split(/[^A-Za-z0-9]+/).filter(Boolean)
    .map((s) => s[0].toUpperCase() + s.slice(1)).join('');
}

type RequestInit<P extends ZodSchema, R extends ZodSchema, M extends string> =
  Omit<RequestDef<P, R, M>, 'kind' | 'typeName' | 'direction'> & { typeName?: string; direction?: Direction };
type NotificationInit<P extends ZodSchema, M extends string> =
  Omit<NotificationDef<P, M>, 'kind' | 'typeName'> & { typeName?: string };

export function defineRequest<P extends ZodSchema, R extends ZodSchema, M extends string>(d: RequestInit<P, R, M>): RequestDef<P, R, M> {
  return { kind: 'request', direction: 'client-to-agent', ...d, typeName: d.typeName ?? typeNameOf(d.method) };
}

export function defineNotification<P extends ZodSchema, M extends string>(d: NotificationInit<P, M>): NotificationDef<P, M> {
  return { kind: 'notification', ...d, typeName: d.typeName ?? typeNameOf(d.method) };
}

export type ParamsOf<D> = D extends RequestDef<infer P, ZodSchema, string> ? z.output<P>
  : D extends NotificationDef<infer P, string> ? z.output<P> : never;
export type ParamsIn<D> = D extends RequestDef<infer P, ZodSchema, string> ? z.input<P>
  : D extends NotificationDef<infer P, string> ? z.input<P> : never;
export type ResultOf<D> = D extends RequestDef<ZodSchema, infer R, string> ? z.output<R> : never;
export type ResultIn<D> = D extends RequestDef<ZodSchema, infer R, string> ? z.input<R> : never;
