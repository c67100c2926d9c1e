// Each backend HTTP endpoint is declared once, as data: method, path pattern, who may call it, zod bodies.
// The sandbox registers its handlers from these values and the agent builds its requests from them.
import * as z from 'zod';

export const Scope = z.enum(['profile', 'billing', 'projects', 'tasks', 'tokens', 'engineer'])
  .describe('What a token may do: `profile` read the account, `billing` top up, `projects` init/sync/upload, '
    + '`tasks` run live sessions, `tokens` manage access tokens, `engineer` act as an engineer.');
export type Scope = z.infer<typeof Scope>;
export const CUSTOMER_SCOPES: Scope[] = ['profile', 'billing', 'projects', 'tasks', 'tokens'];
export const ENGINEER_SCOPES: Scope[] = ['profile', 'tokens', 'engineer'];

export const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or -');
export const Timestamp = z.string().describe('ISO 8601 time in UTC, e.g. `2026-11-23T10:00:00.000Z`.');

export const ErrorBody = z.object({
  error: z.object({
    code: z.string().describe('Stable snake_case code, e.g. `token_expired`, `invalid_body`, `not_your_task`.'),
    message: z.string().describe('What was wrong and what to do; names the bad field for validation errors.'),
  }),
}).describe('Every error response has this body.');
export type ErrorBody = z.infer<typeof ErrorBody>;

/** `none`: public; `user`: any signed-in account; `customer` / `engineer`: that role only. */
export type Auth = 'none' | 'user' | 'customer' | 'engineer';
export type Method = 'GET' | 'POST' | 'DELETE';

export interface EndpointDef<B extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  method: Method;
  pattern: string;
  summary: string;
  auth: Auth;
  scope?: Scope;
  /** JSON body schema; absent for GET and for streamed uploads. */
  body?: B;
  response: R;
  /** `required`: an `Idempotency-Key` header must be sent; `optional`: honoured when sent. */
  idempotency?: 'required' | 'optional';
  /** Fills the `:param` slots of `pattern` in order. */
  path(...params: string[]): string;
}

export function fillPath(pattern: string, params: string[]): string {
  let i = 0;
  return pattern.replace(/:[A-Za-z]+/g, () => encodeURIComponent(params[i++] ?? ''));
}

export function endpoint<B extends z.ZodType, R extends z.ZodType>(
  d: Omit<EndpointDef<B, R>, 'path'>,
): EndpointDef<B, R> {
  return { ...d, path: (...params: string[]) => fillPath(d.pattern, params) };
}

export type BodyIn<E> = E extends EndpointDef<infer B, z.ZodType> ? z.input<B> : never;
export type ResponseOf<E> = E extends EndpointDef<z.ZodType, infer R> ? z.output<R> : never;

export const Ok = z.object({ ok: z.literal(true) });
