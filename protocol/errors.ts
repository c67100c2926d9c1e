// Every error code the agent answers with, in one place. Application codes use -31000..-31999:
// outside JSON-RPC's reserved -32768..-32000, which also holds LSP's -32899..-32800 and -32099..-32000.
import * as z from 'zod';

export const ErrorCode = {
  /** Malformed JSON; answered with `id: null`. */
  ParseError: -32700,
  /** Valid JSON that is not a JSON-RPC request or notification. */
  InvalidRequest: -32600,
  /** No such method. */
  MethodNotFound: -32601,
  /** Params failed validation; the message names the field. */
  InvalidParams: -32602,
  /** A handler failed unexpectedly; no stack trace on the wire. */
  InternalError: -32603,
  /** A request other than `initialize` arrived before `initialize`. */
  ServerNotInitialized: -32002,
  /** The request was cancelled by `$/cancelRequest` or `$/cancel_request`. */
  RequestCancelled: -32800,
  /** Not signed in, or the token was rejected: run `codevf login`. */
  AuthRequired: -31001,
  /** The backend could not be reached (DNS, refused, timeout, TLS). */
  NetworkUnreachable: -31002,
  /** No `.codevf/config.json` in this folder or above: run `codevf init`. */
  NoProject: -31003,
  /** The backend answered with an error; `data.backendCode` holds its code. */
  BackendError: -31004,
  /** A thing the request names does not exist (task, request id, token). */
  NotFound: -31005,
  /** The request is valid but not now (wrong state, wrong git branch, dirty tree). */
  Conflict: -31006,
  /** Refused by a rule: a path check, the never-share list, a policy, the customer. */
  Forbidden: -31007,
  /** A local file or config is invalid; the message names it. */
  InvalidConfig: -31008,
  /** An operation ran past its time limit. */
  Timeout: -31009,
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** `error.data` on every error the agent sends. */
export const ErrorData = z.object({
  reason: z.string().describe('Stable machine-readable reason, e.g. `auth_required`, `invalid_params`.'),
  retryable: z.boolean().describe('Whether the same request may succeed if sent again later.'),
}).catchall(z.unknown());
export type ErrorData = z.infer<typeof ErrorData>;

export const RpcErrorObject = z.object({
  code: z.number().int(),
  message: z.string(),
  data: ErrorData.optional(),
});

/** The one error type handlers throw; the dispatcher puts it on the wire as is. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: ErrorData;
  constructor(code: number, message: string, reason: string, extra: { retryable?: boolean; [k: string]: unknown } = {}) {
    super(message);
    this.code = code;
    const { retryable = false, ...rest } = extra;
    this.data = { reason, retryable, ...rest };
  }
  toJSON() {
    return { code: this.code, message: this.message, data: this.data };
  }
}
