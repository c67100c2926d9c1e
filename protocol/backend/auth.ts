// Device login (RFC 8628), token refresh, personal access tokens, web sign-in.
// The OAuth endpoints keep RFC field names (snake_case); errors still use the common error body.
import * as z from 'zod';
import { endpoint, Id, Ok, Scope, Timestamp } from './define.js';
import { TokenKind } from '../token-kind.js';
import { User } from './account.js';

export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const UserCode = z.string().describe('8 letters from BCDFGHJKLMNPQRSTVWXZ, shown `XXXX-XXXX`; case and dash ignored.');
export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export const DeviceStartRequest = z.object({
  client_name: z.string().min(1).max(100).describe('Which program asks, shown on the approval page.'),
  client_host: z.string().max(200).optional().describe('Host name of the machine asking.'),
  scope: z.array(Scope).optional().describe('Scopes wanted; default: every customer scope.'),
});
export const DeviceStartResponse = z.object({
  device_code: z.string().describe('Secret the client polls with; never shown to the user.'),
  user_code: z.string().describe('Code the user enters, `XXXX-XXXX`.'),
  verification_uri: z.string(),
  verification_uri_complete: z.string(),
  expires_in: z.number().int().describe('Seconds until the codes expire.'),
  interval: z.number().int().describe('Seconds to wait between polls.'),
});

export const TokenRequest = z.discriminatedUnion('grant_type', [
  z.object({ grant_type: z.literal(DEVICE_GRANT), device_code: z.string().min(1) }),
  z.object({ grant_type: z.literal('refresh_token'), refresh_token: z.string().min(1) }),
]);
export const TokenResponse = z.object({
  access_token: z.string().describe('Short-lived bearer token, prefix `cvf_`.'),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
  refresh_token: z.string().describe('Exchanged once for a new pair at the same endpoint.'),
  scope: z.array(Scope),
});

export const DeviceLookupRequest = z.object({ user_code: UserCode });
export const DeviceClient = z.object({
  userCode: z.string(),
  clientName: z.string(),
  clientHost: z.string().nullable(),
  clientIp: z.string().nullable(),
  requestedAt: Timestamp,
  scopes: z.array(Scope),
  status: z.enum(['pending', 'approved', 'denied', 'used', 'expired']),
}).describe('What the approval page shows so the user can tell which client asks.');
export const DeviceApproveRequest = z.object({
  user_code: UserCode,
  decision: z.enum(['approve', 'deny']),
});

export const CreateTokenRequest = z.object({
  name: z.string().min(1).max(100),
  scopes: z.array(Scope).min(1),
  expiresInDays: z.number().int().min(1).optional().describe('Default 30; at most the server maximum.'),
});
export const TokenInfo = z.object({
  id: Id,
  name: z.string(),
  kind: TokenKind,
  scopes: z.array(Scope),
  prefix: z.string().describe('First characters of the token, for recognising it (`cvf_ab12`).'),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
});
export type TokenInfo = z.infer<typeof TokenInfo>;
export const CreateTokenResponse = TokenInfo.extend({
  token: z.string().describe('The token itself, shown this once; only its SHA-256 is stored.'),
});
export const TokenList = z.object({ tokens: z.array(TokenInfo) });
export const RevokeAllResponse = z.object({ revoked: z.number().int() });

export const SignInRequest = z.object({ email: z.email(), password: z.string().min(1).max(200) });
export const SignInResponse = z.object({
  user: User.pick({ id: true, email: true, name: true, role: true }),
  csrfToken: z.string().describe('Send as `X-CSRF-Token` on cookie-authenticated writes.'),
});

export const authRoutes = {
  deviceStart: endpoint({ method: 'POST', pattern: '/api/cli/auth/device', auth: 'none', summary: 'Start a device login.',
    body: DeviceStartRequest, response: DeviceStartResponse }),
  token: endpoint({ method: 'POST', pattern: '/api/cli/auth/token', auth: 'none',
    summary: 'Poll a device code, or refresh a token pair.', body: TokenRequest, response: TokenResponse }),
  deviceLookup: endpoint({ method: 'POST', pattern: '/api/cli/auth/device/lookup', auth: 'customer', scope: 'tokens',
    summary: 'Show which client a user code belongs to (counts as an entry).', body: DeviceLookupRequest, response: DeviceClient }),
  deviceApprove: endpoint({ method: 'POST', pattern: '/api/cli/auth/device/approve', auth: 'customer', scope: 'tokens',
    summary: 'Approve or deny a device login as the signed-in customer; grants only scopes the approver holds.', body: DeviceApproveRequest, response: DeviceClient }),
  revokeSelf: endpoint({ method: 'POST', pattern: '/api/cli/auth/revoke', auth: 'user',
    summary: 'Revoke the token used for this request (logout).', body: z.object({}), response: Ok }),
  listTokens: endpoint({ method: 'GET', pattern: '/api/cli/tokens', auth: 'user', scope: 'tokens',
    summary: 'List access tokens.', response: TokenList }),
  createToken: endpoint({ method: 'POST', pattern: '/api/cli/tokens', auth: 'user', scope: 'tokens',
    summary: 'Create a personal access token.', body: CreateTokenRequest, response: CreateTokenResponse }),
  revokeToken: endpoint({ method: 'POST', pattern: '/api/cli/tokens/:tokenId/revoke', auth: 'user', scope: 'tokens',
    summary: 'Revoke one token.', body: z.object({}), response: TokenInfo }),
  revokeAllTokens: endpoint({ method: 'POST', pattern: '/api/cli/tokens/revoke-all', auth: 'user', scope: 'tokens',
    summary: 'Revoke every token of the account, this one included.', body: z.object({}), response: RevokeAllResponse }),
  signIn: endpoint({ method: 'POST', pattern: '/api/session', auth: 'none',
    summary: 'Sign in by email and password; sets the session cookie.', body: SignInRequest, response: SignInResponse }),
  signOut: endpoint({ method: 'POST', pattern: '/api/session/sign-out', auth: 'user',
    summary: 'End the web session.', body: z.object({}), response: Ok }),
};
