// RFC 8628 device authorization: start, show the code, poll until approved, denied or expired.
import { hostname } from 'node:os';
import { routes } from '../../protocol/backend/routes.js';
import { DEVICE_GRANT } from '../../protocol/backend/auth.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { sleep } from '../net/retry.js';
import type { BackendClient } from '../services.js';

export interface DeviceCode {
  userCode: string; verificationUri: string; verificationUriComplete: string; expiresAt: string;
}
export interface IssuedTokens { accessToken: string; refreshToken: string; expiresAt: string; scopes: string[] }

const MIN_POLL_MS = 100; // a server may say 0 s (the sandbox's tests do); never spin

export async function deviceLogin(client: BackendClient, clientName: string, signal: AbortSignal,
  onCode: (code: DeviceCode) => Promise<void>): Promise<IssuedTokens> {
  const start = await client.call(routes.auth.deviceStart, { body: { client_name: clientName, client_host: hostname() }, signal });
  const deadline = Date.now() + start.expires_in * 1000;
  await onCode({
    userCode: start.user_code, verificationUri: start.verification_uri,
    verificationUriComplete: start.verification_uri_complete, expiresAt: new Date(deadline).toISOString(),
  });
  let intervalMs = Math.max((start.interval ?? 5) * 1000, MIN_POLL_MS);
  for (;;) {
    await sleep(intervalMs, signal);
    if (Date.now() >= deadline) throw expired();
    try {
      const t = await client.call(routes.auth.token, { body: { grant_type: DEVICE_GRANT, device_code: start.device_code }, signal });
      return { accessToken: t.access_token, refreshToken: t.refresh_token, scopes: t.scope,
        expiresAt: new Date(Date.now() + t.expires_in * 1000).toISOString() };
    } catch (e) {
      const code = e instanceof RpcError ? e.data.backendCode : undefined;
      if (code === 'authorization_pending') continue;
      if (code === 'slow_down') { intervalMs += 5000; continue; } // RFC 8628 3.5: for this and every later poll
      if (code === 'access_denied') throw new RpcError(ErrorCode.AuthRequired, 'Login was denied in the browser. Run codevf login to try again.', 'access_denied');
      if (code === 'expired_token') throw expired();
      throw e;
    }
  }
}

function expired() {
  return new RpcError(ErrorCode.AuthRequired, 'The login code expired before it was approved. Run codevf login again.', 'expired_token');
}
