// Who you are and what you pay: login (device flow or token), logout, status, tokens, balance, rates, top-up.
import * as z from 'zod';
import { defineNotification, defineRequest } from '../define.js';
import { Rates } from '../backend/account.js';
import { CreateTokenResponse, TokenInfo } from '../backend/auth.js';
import { Scope } from '../backend/define.js';

const Host = z.string().url().optional().describe('Backend URL; default: `--host`, then `CODEVF_HOST`, then the local sandbox.');
const User = z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(['customer', 'engineer']) });
const TokenSource = z.enum(['env', 'keyring', 'file']).describe('`env`: CODEVF_TOKEN; otherwise the store holding it.');

export const AuthStatusResult = z.object({
  host: z.string(),
  signedIn: z.boolean(),
  user: User.nullable(),
  tokenSource: TokenSource.nullable(),
  store: z.enum(['keyring', 'file']).describe('Where new credentials are kept on this machine.'),
  storeLocation: z.string().describe('Keyring service name, or the auth.json path.'),
  maskedToken: z.string().nullable().describe('`cvf_****ab12`: never the token itself.'),
  scopes: z.array(z.string()),
  expiresAt: z.string().nullable(),
  hosts: z.array(z.object({
    host: z.string(),
    active: z.boolean().describe('The host commands use when none is named.'),
    signedIn: z.boolean().describe('A token is stored (or CODEVF_TOKEN is set); not checked against that host.'),
    login: z.string().nullable(),
    tokenSource: TokenSource.nullable(),
    maskedToken: z.string().nullable(),
    expiresAt: z.string().nullable(),
  })).optional().describe('`authStatus` only: every host this machine holds a token for, and the active one.'),
});

export const Login = defineRequest({
  method: 'login',
  summary: 'Signs in. With `token` (or CODEVF_TOKEN) the token is checked against the backend, then stored; otherwise '
    + 'runs the device flow (RFC 8628), sending `loginCode` with the code and URL, and returns once approved.',
  params: z.object({
    host: Host,
    token: z.string().min(1).optional().describe('A personal access token (`cvf_...`), e.g. read from stdin by `--with-token`.'),
    openBrowser: z.boolean().default(false).describe('Let the agent open the verification URL in a browser (http(s) only).'),
    workDoneToken: z.union([z.string(), z.number()]).optional(),
  }),
  result: AuthStatusResult,
  errors: ['access_denied', 'expired_token', 'auth_required', 'network_unreachable'],
  examples: [{
    params: { openBrowser: true },
    result: { host: 'http://127.0.0.1:4780', signedIn: true, user: { id: 'u_1', email: 'demo@codevf.local', name: 'Demo Customer', role: 'customer' },
      tokenSource: 'file', store: 'file', storeLocation: '/home/me/.config/codevf/auth.json', maskedToken: 'cvf_****a1b2', scopes: ['profile', 'tasks'], expiresAt: '2026-11-23T11:00:00.000Z' },
  }],
});

export const LoginCode = defineNotification({
  method: 'loginCode',
  summary: 'The device-flow code to show the user, and where to enter it.',
  direction: 'agent-to-client',
  params: z.object({
    userCode: z.string().describe('`XXXX-XXXX`'),
    verificationUri: z.string(),
    verificationUriComplete: z.string(),
    expiresAt: z.string(),
    browserOpened: z.boolean().describe('True only when an opener started and did not fail. False when not asked to, or when no browser could be opened (not an error).'),
    browserError: z.string().optional().describe('Why no browser opened when one was asked for, e.g. no display.'),
  }),
  examples: [{ userCode: 'BCDF-GHJK', verificationUri: 'http://127.0.0.1:4780/device', verificationUriComplete: 'http://127.0.0.1:4780/device?code=BCDFGHJK', expiresAt: '2026-11-23T10:15:00.000Z', browserOpened: false }],
});

export const Logout = defineRequest({
  method: 'logout',
  summary: 'Revokes the token on the server and deletes every local copy.',
  params: z.object({ host: Host }),
  result: z.object({
    host: z.string(),
    revoked: z.boolean().describe('The server revoked the token.'),
    removedFrom: z.array(z.enum(['keyring', 'file'])),
    envTokenSet: z.boolean().describe('CODEVF_TOKEN is still set in the environment; unset it yourself.'),
  }),
  examples: [{ params: {}, result: { host: 'http://127.0.0.1:4780', revoked: true, removedFrom: ['file'], envTokenSet: false } }],
});

export const AuthStatus = defineRequest({
  method: 'authStatus',
  summary: 'Host, user, token source, masked token, scopes and expiry.',
  params: z.object({ host: Host }),
  result: AuthStatusResult,
  examples: [{ params: {}, result: { host: 'http://127.0.0.1:4780', signedIn: false, user: null, tokenSource: null, store: 'file', storeLocation: '/home/me/.config/codevf/auth.json', maskedToken: null, scopes: [], expiresAt: null } }],
});

export const AuthRefresh = defineRequest({
  method: 'authRefresh',
  summary: 'Exchanges the stored refresh token for a fresh access token now (device sign-ins only; a personal '
    + 'access token or CODEVF_TOKEN has none: sign in again instead).',
  params: z.object({ host: Host }),
  result: z.object({ host: z.string(), expiresAt: z.string().nullable(), scopes: z.array(z.string()) }),
  errors: ['auth_required', 'refresh_unavailable'],
  examples: [{ params: {}, result: { host: 'http://127.0.0.1:4780', expiresAt: '2026-11-23T11:00:00.000Z', scopes: ['profile', 'tasks'] } }],
});

export const AuthToken = defineRequest({
  method: 'authToken',
  summary: 'The raw token for a host, for `codevf auth token` to print alone on stdout (as `gh auth token`). '
    + 'Front ends must never log it.',
  params: z.object({ host: Host }),
  result: z.object({ host: z.string(), token: z.string(), tokenSource: TokenSource }),
  errors: ['auth_required'],
  examples: [{ params: {}, result: { host: 'http://127.0.0.1:4780', token: 'cvf_EXAMPLEEXAMPLEEXAMPLE0000', tokenSource: 'file' } }],
});


export const ListTokens = defineRequest({
  method: 'listTokens',
  summary: "The account's access tokens (never their values).",
  params: z.object({ host: Host }),
  result: z.object({ tokens: z.array(TokenInfo) }),
  examples: [{ params: {}, result: { tokens: [{ id: 't_1', name: 'laptop', kind: 'pat', scopes: ['tasks'], prefix: 'cvf_ab12', createdAt: '2026-11-01T00:00:00.000Z', expiresAt: '2026-12-01T00:00:00.000Z', lastUsedAt: null, revokedAt: null }] } }],
});

export const CreateToken = defineRequest({
  method: 'createToken',
  summary: 'Creates a personal access token; its value is returned this once.',
  params: z.object({ host: Host, name: z.string().min(1).max(100), scopes: z.array(Scope).min(1), expiresInDays: z.number().int().min(1).optional() }),
  result: CreateTokenResponse,
  examples: [{ params: { name: 'ci', scopes: ['tasks'] }, result: { id: 't_2', name: 'ci', kind: 'pat', scopes: ['tasks'], prefix: 'cvf_cd34', createdAt: '2026-11-23T10:00:00.000Z', expiresAt: '2026-12-23T10:00:00.000Z', lastUsedAt: null, revokedAt: null, token: 'cvf_cd34EXAMPLEEXAMPLEEXAMPLE' } }],
});

export const RevokeToken = defineRequest({
  method: 'revokeToken',
  summary: 'Revokes one token by id, or every token of the account with `all: true`.',
  params: z.object({ host: Host, tokenId: z.string().optional(), all: z.boolean().optional() })
    .refine((p) => Boolean(p.tokenId) !== Boolean(p.all), { message: 'give exactly one of tokenId or all: true', path: ['tokenId'] }),
  result: z.object({ revoked: z.number().int() }),
  examples: [{ params: { tokenId: 't_2' }, result: { revoked: 1 } }],
});

export const GetBalance = defineRequest({
  method: 'getBalance',
  summary: 'Credits left and the rates that apply.',
  params: z.object({ host: Host }),
  result: z.object({ balance: z.number().int(), rates: Rates }),
  examples: [{ params: {}, result: { balance: 120, rates: { creditsPerMinute: 1, usdPerCredit: 0.5, minTopUpUsd: 5, maxTopUpUsd: 10000, lowBalanceMinutes: 5 } } }],
});

export const GetRates = defineRequest({
  method: 'getRates',
  summary: 'Current prices (no sign-in needed).',
  params: z.object({ host: Host }),
  result: Rates,
  examples: [{ params: {}, result: { creditsPerMinute: 1, usdPerCredit: 0.5, minTopUpUsd: 5, maxTopUpUsd: 10000, lowBalanceMinutes: 5 } }],
});

export const TopUp = defineRequest({
  method: 'topUp',
  summary: 'Starts a top-up and returns the checkout URL; opening it is the front end\'s choice. '
    + 'The amount is checked before any network call: minimum $5; `5`, `5.00` and `$5` are accepted.',
  params: z.object({ host: Host, amount: z.union([z.number(), z.string()]).describe('US dollars.') }),
  result: z.object({ checkoutId: z.string(), checkoutUrl: z.string(), amountUsd: z.number(), credits: z.number().int() }),
  errors: ['invalid_amount'],
  examples: [{ params: { amount: '$5' }, result: { checkoutId: 'c_1', checkoutUrl: 'http://127.0.0.1:4780/checkout/c_1', amountUsd: 5, credits: 10 } }],
});

export const accountRequests = [Login, Logout, AuthStatus, AuthRefresh, AuthToken, ListTokens, CreateToken, RevokeToken, GetBalance, GetRates, TopUp] as const;
export const accountNotifications = [LoginCode] as const;
