// Every error code the agent answers with, in one place. Application codes use -31000..-31999:
// outside JSON-RPC's reserved -32768..-32000, which also holds LSP's -32899..-32800 and -32099..-32000.
import * as z from 'zod/mini';
import './zod-mini.js'; // mini's English messages

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

/** Every `error.data.reason` the agent can send, declared once with what it means. Scripts and front ends switch
 *  on these names (`Reason.NotAGitRepository`); `schemas/openrpc.json` lists them as `x-error-reasons`. */
export const ErrorReasons = {
  parse_error: 'The bytes were not JSON, or a frame was damaged.',
  invalid_request: 'Valid JSON that is not a JSON-RPC request (bad id, method or params shape).',
  method_not_found: 'No such method.',
  invalid_params: 'Params failed validation; `data.issues` names each field.',
  invalid_result: 'The other side answered with a result that does not match its declaration.',
  internal_error: 'An unexpected failure; see the agent log.',
  not_initialized: 'A request arrived before `initialize`.',
  already_initialized: '`initialize` was sent twice.',
  shutting_down: 'Only `exit` is accepted after `shutdown`.',
  cancelled: 'The request was cancelled and its work stopped.',
  connection_closed: 'The connection closed before the answer arrived.',
  auth_required: 'Not signed in, or the token was refused: run `codevf login`.',
  unauthorized: 'The backend refused the token for this call.',
  expired_token: 'The device code or token expired; start again.',
  access_denied: 'The user refused the sign-in in the browser.',
  refresh_unavailable: 'The token cannot be refreshed (a personal access token, or no refresh token).',
  insecure_transport: 'Plain http to a non-loopback host: use https, or --insecure.',
  host_mismatch: 'The task belongs to another backend host than the one this agent uses.',
  credentials_not_saved: 'The sign-in worked but the token could not be stored.',
  keyring_unavailable: 'The OS keyring could not be used.',
  invalid_credentials_file: 'auth.json is unreadable or malformed.',
  invalid_settings_file: 'The user settings file is unreadable or malformed; the message names it.',
  untrusted_session_file: '.codevf/session.json is not owned by you or is writable by others.',
  invalid_session_file: '.codevf/session.json is unreadable or malformed.',
  folder_unreadable: 'The folder cannot be read.',
  unsafe_codevf_path: 'A path under .codevf/ is a link, not yours, or writable by others; nothing was written.',
  invalid_host: 'The backend URL is not allowed (plain http to a non-loopback host without --insecure, or malformed).',
  network_unreachable: 'The backend could not be reached (DNS, refused, timeout, TLS).',
  backend_error: 'The backend answered with an error; `data.backendCode` holds its code.',
  not_found: 'A thing the request names does not exist (task, request id, token).',
  invalid_amount: 'A top-up amount that is not whole dollars within the limits.',
  invalid_config: 'A local file or config is invalid; the message names it.',
  no_project: 'No `.codevf/config.json` here or above: run `codevf init`.',
  folder_not_found: 'The folder does not exist.',
  not_a_folder: 'The path is not a folder.',
  not_a_git_repository: 'The folder is not inside a git repository.',
  git_unavailable: 'git could not be run.',
  git_failed: 'A git command failed; the message has its output.',
  no_commits: 'The repository has no commit yet.',
  detached_head: 'HEAD is detached; check out a branch.',
  dirty_tree: 'The working tree has uncommitted changes.',
  wrong_branch: 'The current branch is not the project\'s branch.',
  never_share_tracked: 'A never-share file is tracked by git and would be uploaded.',
  upload_not_allowed: 'The project does not allow code uploads.',
  too_large: 'A file or snapshot is over its size limit.',
  session_active: 'A session is already running in this agent.',
  session_ended: 'The session has ended.',
  scope_not_allowed: 'That approval scope is not allowed for this command.',
  already_settled: 'The request was already answered.',
  never_share: 'The file is on the never-share list; `override: true` shares it once.',
  path_outside_project: 'The path leaves the project root.',
  path_traversal: 'The path contains `..`.',
  absolute_path: 'The path is absolute; give it relative to the project root.',
  reserved_name: 'The path names a reserved device or file.',
  not_a_regular_file: 'The path is not a regular file (a folder, link, device or pipe).',
  file_not_found: 'The file does not exist.',
  invalid_path: 'The path is empty, has a NUL byte, or is otherwise not a usable relative path.',
  alternate_data_stream: 'The path names an NTFS alternate data stream (`file:stream`).',
  unreadable: 'The file exists but cannot be read.',
  file_changed: 'The file changed while it was read.',
  ai_allowance_exhausted: 'The AI minutes included for this account are used up.',
  ai_exited: 'The AI agent process exited.',
  ai_protocol: 'The AI agent answered with something its protocol does not allow.',
  ai_stopped: 'The AI part of the session has stopped.',
  ai_tool_not_allowed: 'That AI tool is not allowed for this project.',
  ai_tool_unknown: 'No such AI tool.',
  already_handed_off: 'The session was already handed off to an engineer.',
  not_an_ai_session: 'The task is not an AI session.',
  insufficient_credits: 'Not enough credits for this.',
  denied: 'The customer or a rule denied it.',
  invalid_change: 'The proposed file change is malformed or does not apply.',
  no_change: 'The proposed change would not change the file.',
} as const;
export type ErrorReason = keyof typeof ErrorReasons;
/** The reason names as constants: `Reason.not_a_git_repository === 'not_a_git_repository'`. */
export const Reason = Object.fromEntries(Object.keys(ErrorReasons).map((k) => [k, k])) as { readonly [K in ErrorReason]: K };
export const isDeclaredReason = (r: unknown): r is ErrorReason => typeof r === 'string' && Object.hasOwn(ErrorReasons, r);

/** `error.data` on every error the agent sends. */
export const ErrorData = z.catchall(z.object({
  reason: z.string().check(z.describe('Stable machine-readable reason, e.g. `auth_required`, `invalid_params`.')),
  retryable: z.boolean().check(z.describe('Whether the same request may succeed if sent again later.')),
}), z.unknown());
export type ErrorData = z.output<typeof ErrorData>;

/** The one error type handlers throw; the dispatcher puts it on the wire as is. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: ErrorData & { reason: ErrorReason };
  constructor(code: number, message: string, reason: ErrorReason, extra: { retryable?: boolean; [k: string]: unknown } = {}) {
    super(message);
    this.code = code;
    const { retryable = false, ...rest } = extra;
    this.data = { reason, retryable, ...rest };
  }
  toJSON() {
    return { code: this.code, message: this.message, data: this.data };
  }
}
