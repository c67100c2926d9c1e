// Each method and notification is declared once, as data: wire name, zod schemas, direction, examples.
// Agent, front ends, backend, tests and the schema generator all import these values.
import * as z from 'zod';
import type { ErrorReason } from './errors.js';

/** Who sends a message: the front end (client) to the agent, or the agent to the front end. */
export type Direction = 'client-to-agent' | 'agent-to-client';

export interface RequestExample<P extends z.ZodType, R extends z.ZodType> {
  name?: string;
  params: z.input<P>;
  result: z.input<R>;
}

export interface RequestDef<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType, M extends string = string> {
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

export interface NotificationDef<P extends z.ZodType = z.ZodType, M extends string = string> {
  kind: 'notification';
  method: M;
  typeName: string;
  summary: string;
  direction: Direction;
  params: P;
  examples: [z.input<P>, ...z.input<P>[]];
}

export type AnyRequestDef = RequestDef<z.ZodType, z.ZodType>;
export type AnyNotificationDef = NotificationDef<z.ZodType>;
export type AnyDef = AnyRequestDef | AnyNotificationDef;

/** `$/cancel_request` -> `CancelRequest`, `rpc.discover` -> `RpcDiscover`. */
export function typeNameOf(method: string): string {
  return method.split(/[^A-Za-z0-9]+/).filter(Boolean)
    .map((s) => s[0].toUpperCase() + s.slice(1)).join('');
}

type RequestInit<P extends z.ZodType, R extends z.ZodType, M extends string> =
  Omit<RequestDef<P, R, M>, 'kind' | 'typeName' | 'direction'> & { typeName?: string; direction?: Direction };
type NotificationInit<P extends z.ZodType, M extends string> =
  Omit<NotificationDef<P, M>, 'kind' | 'typeName'> & { typeName?: string };

export function defineRequest<P extends z.ZodType, R extends z.ZodType, M extends string>(d: RequestInit<P, R, M>): RequestDef<P, R, M> {
  return { kind: 'request', direction: 'client-to-agent', ...d, typeName: d.typeName ?? typeNameOf(d.method) };
}

export function defineNotification<P extends z.ZodType, M extends string>(d: NotificationInit<P, M>): NotificationDef<P, M> {
  return { kind: 'notification', ...d, typeName: d.typeName ?? typeNameOf(d.method) };
}

export type ParamsOf<D> = D extends RequestDef<infer P, z.ZodType, string> ? z.output<P>
  : D extends NotificationDef<infer P, string> ? z.output<P> : never;
export type ParamsIn<D> = D extends RequestDef<infer P, z.ZodType, string> ? z.input<P>
  : D extends NotificationDef<infer P, string> ? z.input<P> : never;
export type ResultOf<D> = D extends RequestDef<z.ZodType, infer R, string> ? z.output<R> : never;
export type ResultIn<D> = D extends RequestDef<z.ZodType, infer R, string> ? z.input<R> : never;
