// Maps transport failures and backend error answers to RpcErrors a script can act on.
// Never a stack trace, never the token: backend messages are scrubbed before they are passed on.
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { scrub } from '../log.js';
import { ProxyError } from './proxy.js';

export const AUTH_FAILED_MESSAGE = 'Authentication failed. Please run: codevf login';
export const UNREACHABLE_MESSAGE = 'Cannot connect to CodeVF servers. Please check your internet connection.';

export type FailureCause = 'timeout' | 'refused' | 'dns' | 'reset' | 'tls' | 'proxy' | 'other';

/** A request that got no HTTP answer. `retryable` is false when sending again cannot help (bad certificate). */
export class NetworkFailure extends Error {
  constructor(readonly cause: FailureCause, readonly detail: string) { super(detail); }
  get retryable(): boolean { return this.cause !== 'tls'; }
}

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH)/;

export function classify(err: unknown): NetworkFailure {
  if (err instanceof NetworkFailure) return err;
  if (err instanceof ProxyError) return new NetworkFailure('proxy', err.message);
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  if (code === 'ECONNREFUSED') return new NetworkFailure('refused', 'connection refused');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new NetworkFailure('dns', 'host name not found');
  if (code === 'ETIMEDOUT') return new NetworkFailure('timeout', 'connection timed out');
  if (TLS_CODES.test(code)) return new NetworkFailure('tls', `TLS certificate check failed (${code})`);
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/.test((err as Error)?.message ?? '')) {
    return new NetworkFailure('reset', 'connection reset');
  }
  return new NetworkFailure('other', code || 'network error');
}

export function networkError(host: string, failure: NetworkFailure): RpcError {
  return new RpcError(ErrorCode.NetworkUnreachable, `${UNREACHABLE_MESSAGE} (${host}: ${failure.detail})`,
    'network_unreachable', { retryable: failure.retryable, host, cause: failure.cause });
}

function backendBody(body: Buffer): { code?: string; message?: string } {
  try {
    const e = JSON.parse(body.toString('utf8'))?.error;
    return {
      code: typeof e?.code === 'string' ? e.code.slice(0, 100) : undefined,
      message: typeof e?.message === 'string' ? e.message.slice(0, 2000) : undefined,
    };
  } catch {
    return {};
  }
}

/** A non-2xx answer: 401 is auth_required, anything else the backend's code and message. */
export function httpError(status: number, body: Buffer, secrets: string[], retryAfterMs?: number): RpcError {
  const { code, message } = backendBody(body);
  if (status === 401) {
    return new RpcError(ErrorCode.AuthRequired, AUTH_FAILED_MESSAGE, 'auth_required', { backendCode: code ?? 'unauthorized' });
  }
  let text = message ?? `The CodeVF server answered HTTP ${status}.`;
  for (const s of secrets) if (s) text = text.split(s).join('****');
  return new RpcError(ErrorCode.BackendError, scrub(text), 'backend_error', {
    retryable: status === 429 || status >= 500, status, backendCode: code ?? `http_${status}`,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

export function invalidResponse(status: number, what: string): RpcError {
  return new RpcError(ErrorCode.BackendError, `The CodeVF server sent an invalid answer (${what}).`, 'backend_error',
    { status, backendCode: 'invalid_response' });
}
