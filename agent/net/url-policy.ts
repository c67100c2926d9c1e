// Which URLs the agent may talk to: https (and wss) always with certificate checks; plain http (and ws)
// only to loopback (the sandbox) unless the user explicitly opted into `insecure`.
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { isLoopbackHost } from '../../platform/proxy.js';

export { isLoopbackHost };

const SECURE = new Set(['https:', 'wss:']);
const PLAIN = new Set(['http:', 'ws:']);

/** Parses and vets a URL before any connection is made. */
export function checkUrl(raw: string | URL, insecure = false): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RpcError(ErrorCode.InvalidParams, `Invalid CodeVF server address: ${String(raw)}. Use https://host[:port].`, 'invalid_host');
  }
  if (url.username || url.password) {
    throw new RpcError(ErrorCode.InvalidParams, 'The CodeVF server address must not contain a user name or password.', 'invalid_host');
  }
  if (SECURE.has(url.protocol)) return url;
  if (!PLAIN.has(url.protocol)) {
    throw new RpcError(ErrorCode.InvalidParams, `Unsupported scheme ${url.protocol} in ${url.origin}: use https://.`, 'invalid_host');
  }
  if (insecure || isLoopbackHost(url.hostname)) return url;
  throw new RpcError(ErrorCode.Forbidden,
    `Refusing plain ${url.protocol.slice(0, -1)} to ${url.host}: tokens and code would cross the network unencrypted. `
    + 'Use https://, or pass --insecure if you really mean it.', 'insecure_transport', { host: url.host });
}

