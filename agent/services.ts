// Shared per-agent services: the credential store and one backend client per host, signed in or not.
// Short-lived tokens are refreshed here, before they expire and once more on a `token_expired` 401.
import { routes } from '../protocol/backend/routes.js';
import type { BodyIn, EndpointDef, ResponseOf } from '../protocol/backend/define.js';
import { ErrorCode, RpcError } from '../protocol/errors.js';
import { CredentialStore, hostKey, type LoadedCredentials } from './auth/store.js';
import { readUserConfig } from './config/user-config.js';
import type { AgentContext } from './context.js';
import { HttpClient, type RequestOptions } from './net/http.js';

/** The sandbox's default address (`npm start`). */
export const DEFAULT_HOST = 'http://127.0.0.1:4780';
const REFRESH_AHEAD_MS = 60_000;

export type CallOptions<E extends EndpointDef> = Omit<RequestOptions, 'body'> & { params?: string[]; body?: BodyIn<E> };

export interface BackendClient {
  readonly baseUrl: string;
  readonly http: HttpClient;
  call<E extends EndpointDef>(ep: E, opts?: CallOptions<E>): Promise<ResponseOf<E>>;
  /** The credentials in use (for status and logout); null on an anonymous client. */
  credentials(): Promise<LoadedCredentials | null>;
  /** Refreshes the access token now; false when there is no refresh token (PAT, CODEVF_TOKEN). */
  refresh?(): Promise<boolean>;
}

export interface Services {
  credentials: CredentialStore;
  hostFor(host?: string): string;
  /** A client that sends the stored token; throws auth_required when there is none. */
  backend(host?: string): Promise<BackendClient>;
  /** A client without a token, for login and public endpoints. */
  anonymous(host?: string): BackendClient;
  /** Drops cached clients of a host (after login or logout). */
  forget(host?: string): void;
}

export function authRequired(host: string): RpcError {
  return new RpcError(ErrorCode.AuthRequired, `Not signed in to ${host}. Please run: codevf login`, 'auth_required', { host });
}

const cache = new WeakMap<AgentContext, Services>();

export type HostSource = 'flag' | 'env' | 'config' | 'default';

/** The host a call goes to when none is named: --host, CODEVF_HOST, `codevf config set host`, the sandbox. */
export function defaultHost(agent: AgentContext): { url: string; source: HostSource } {
  const { host, env } = agent.options;
  const fromEnv = env.CODEVF_HOST?.trim() || undefined;
  if (host && host !== fromEnv) return { url: hostKey(host), source: 'flag' };
  if (fromEnv) return { url: hostKey(fromEnv), source: 'env' };
  const configured = readUserConfig(env).host;
  return configured ? { url: hostKey(configured), source: 'config' } : { url: DEFAULT_HOST, source: 'default' };
}

export function getServices(agent: AgentContext): Services {
  let s = cache.get(agent);
  if (!s) { s = createServices(agent); cache.set(agent, s); }
  return s;
}

function createServices(agent: AgentContext): Services {
  const { env, insecure } = agent.options;
  const credentials = new CredentialStore({ env });
  const signedIn = new Map<string, Promise<BackendClient>>();
  const plain = new Map<string, BackendClient>();
  // Read per call (a tiny file): `codevf config set host` and a login elsewhere take effect at once.
  const hostFor = (host?: string) => (host ? hostKey(host) : defaultHost(agent).url);

  const anonymous = (host?: string): BackendClient => {
    const h = hostFor(host);
    let c = plain.get(h);
    if (!c) {
      const http = new HttpClient({ baseUrl: h, insecure, env });
      c = { baseUrl: h, http, call: (ep, opts) => http.call(ep, opts), credentials: async () => null };
      plain.set(h, c);
      agent.onDispose(() => http.close());
    }
    return c;
  };

  const open = async (h: string): Promise<BackendClient> => {
    let creds = await credentials.load(h);
    if (!creds) throw authRequired(h);
    const refresh = async (): Promise<boolean> => {
      if (!creds?.refreshToken || creds.source === 'env') return false;
      const pair = await anonymous(h).call(routes.auth.token, { body: { grant_type: 'refresh_token', refresh_token: creds.refreshToken } });
      const next = { ...creds, accessToken: pair.access_token, refreshToken: pair.refresh_token, scopes: pair.scope,
        expiresAt: new Date(Date.now() + pair.expires_in * 1000).toISOString() };
      await credentials.save(h, next);
      creds = { ...creds, ...next };
      agent.log.info(`refreshed the access token for ${h}`);
      return true;
    };
    let refreshing: Promise<boolean> | undefined;
    const refreshOnce = () => (refreshing ??= refresh().finally(() => { refreshing = undefined; }));
    const token = async () => {
      if (creds?.expiresAt && Date.parse(creds.expiresAt) - Date.now() < REFRESH_AHEAD_MS) await refreshOnce().catch(() => false);
      return creds?.accessToken;
    };
    const http = new HttpClient({ baseUrl: h, insecure, env, token });
    agent.onDispose(() => http.close());
    return {
      baseUrl: h,
      http,
      credentials: async () => creds,
      refresh: refreshOnce,
      async call(ep, opts) {
        try {
          return await http.call(ep, opts);
        } catch (e) {
          const expired = e instanceof RpcError && e.code === ErrorCode.AuthRequired && e.data.backendCode === 'token_expired';
          if (!expired || !(await refreshOnce().catch(() => false))) throw e;
          return http.call(ep, opts);
        }
      },
    };
  };

  return {
    credentials,
    hostFor,
    anonymous,
    backend(host) {
      const h = hostFor(host);
      let p = signedIn.get(h);
      if (!p) {
        p = open(h);
        signedIn.set(h, p);
        p.catch(() => signedIn.delete(h));
      }
      return p;
    },
    forget(host) { signedIn.delete(hostFor(host)); },
  };
}

