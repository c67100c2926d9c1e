// Credentials per backend host: the OS keyring where a real one exists, else auth.json; CODEVF_TOKEN
// overrides both. Which store holds a token is recorded, and a fresh token is never lost to a failing store.
import * as z from 'zod';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { AuthFileStore, configDir, type HostRecord, Secrets } from './file-store.js';
import { addKnownSecret } from '../security/known-secrets.js';
import { outsideRequest } from '../cancel.js';
import { boundKeyring, detectKeyring, type Keyring, KEYRING_TIMEOUT_MS } from './keyring.js';

export const TOKEN_ENV = 'CODEVF_TOKEN';

export type StoreKind = 'keyring' | 'file';
export type TokenSource = 'env' | StoreKind;

export interface Credentials {
  accessToken: string;
  refreshToken?: string;
  expiresAt?: string;
  userId?: string;
  login?: string;
  scopes?: string[];
}

export interface LoadedCredentials extends Credentials {
  host: string;
  source: TokenSource;
  /** The keyring's name when source is `keyring`, the file path when `file`, the variable when `env`. */
  location: string;
}

export interface CredentialStatus extends Partial<Omit<LoadedCredentials, 'accessToken' | 'refreshToken'>> {
  host: string;
  signedIn: boolean;
  maskedToken?: string;
  /** Why a stored token cannot be used (keyring unreachable, damaged file). */
  problem?: string;
  /** Where a new token would be saved: the keyring in use, or the file. */
  store: StoreKind;
  storeLocation: string;
}

const KeyringSecrets = Secrets.extend({ savedAt: z.string().optional() });
type KeyringSecrets = z.infer<typeof KeyringSecrets>;

function metaOf(r: HostRecord): Omit<Credentials, 'accessToken' | 'refreshToken'> {
  const { expiresAt, userId, login, scopes } = r;
  return Object.fromEntries(Object.entries({ expiresAt, userId, login, scopes }).filter(([, v]) => v !== undefined));
}

export interface SaveResult { store: StoreKind; location: string; keyringError?: string }
export interface RemoveResult { removed: StoreKind[]; errors: Array<{ store: StoreKind; message: string }>; envTokenSet: boolean }

export interface CredentialStoreOptions {
  env?: NodeJS.ProcessEnv;
  /** Folder of auth.json; default `$XDG_CONFIG_HOME/codevf`. */
  dir?: string;
  /** A keyring, or null for none; default: detect a real one on this machine. */
  keyring?: Keyring | null;
  timeoutMs?: number;
}

/** `https://API.codevf.com/` and `api.codevf.com` name the same host: `https://api.codevf.com`. */
/** The agent's own tokens are redacted from everything it sends, in any encoding (security/known-secrets.ts). */
function remember<T extends Credentials>(c: T): T {
  addKnownSecret(c.accessToken);
  addKnownSecret(c.refreshToken);
  return c;
}

export function hostKey(host: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `https://${host}`;
  try { return new URL(withScheme).origin; } catch { return host.trim().toLowerCase(); }
}

/** `cvf_****wxyz`: the prefix and at most the last 4 characters, and those only for a long token. */
export function maskToken(token: string | undefined | null): string {
  if (!token) return '';
  const prefix = token.startsWith('cvf_') ? 'cvf_' : '';
  const tail = token.length - prefix.length >= 16 ? token.slice(-4) : '';
  return `${prefix}****${tail}`;
}

export class CredentialStore {
  readonly file: AuthFileStore;
  private readonly env: NodeJS.ProcessEnv;
  private keyringP: Promise<Keyring | null> | undefined;

  constructor(private readonly opts: CredentialStoreOptions = {}) {
    this.env = opts.env ?? process.env;
    this.file = new AuthFileStore(opts.dir ?? configDir(this.env));
    if (opts.keyring) this.keyringP = Promise.resolve(boundKeyring(opts.keyring, opts.timeoutMs ?? KEYRING_TIMEOUT_MS));
    else if (opts.keyring === null) this.keyringP = Promise.resolve(null);
  }

  /** The keyring in use, detected once; null means the file store. */
  keyring(): Promise<Keyring | null> {
    this.keyringP ??= outsideRequest(() => detectKeyring({ env: this.env, timeoutMs: this.opts.timeoutMs ?? KEYRING_TIMEOUT_MS })).catch(() => null);
    return this.keyringP;
  }

  /** Saves a freshly issued token: the keyring if real and working, else the file. */
  async save(host: string, creds: Credentials): Promise<SaveResult> {
    const key = hostKey(host);
    const { accessToken, refreshToken, ...meta } = creds;
    remember(creds);
    const savedAt = new Date().toISOString();
    const keyring = await this.keyring();
    let keyringError: string | undefined;
    if (keyring) {
      try {
        await keyring.set(key, JSON.stringify({ accessToken, refreshToken, savedAt }));
        await this.file.put(key, { store: 'keyring', ...meta, savedAt }).catch(() => {}); // keyring copy is newest anyway
        return { store: 'keyring', location: keyring.name };
      } catch (err) {
        keyringError = (err as Error).message;
      }
    }
    try {
      await this.file.put(key, { store: 'file', accessToken, refreshToken, ...meta, savedAt, keyringError });
    } catch (err) {
      throw new RpcError(ErrorCode.InternalError,
        `Could not save the token: ${keyringError ? `${keyringError}; ` : ''}${this.file.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. `
        + `Fix the folder's permissions, or set ${TOKEN_ENV}.`, 'credentials_not_saved');
    }
    return { store: 'file', location: this.file.path, keyringError };
  }

  /** The token for `host`: CODEVF_TOKEN first, then the newest stored copy; null when signed out. */
  async load(host: string): Promise<LoadedCredentials | null> {
    const key = hostKey(host);
    const envToken = this.env[TOKEN_ENV]?.trim();
    if (envToken) return remember<LoadedCredentials>({ host: key, accessToken: envToken, source: 'env', location: TOKEN_ENV });
    const record = await this.readRecord(key);
    const keyring = await this.keyring();
    if (!keyring && record?.store === 'keyring') {
      throw new RpcError(ErrorCode.AuthRequired,
        `The token for ${key} is in the system keyring, which cannot be reached in this session. Run: codevf login`,
        'keyring_unavailable');
    }
    const copies: Array<KeyringSecrets & { source: StoreKind }> = [];
    const fromKeyring = keyring ? await this.readKeyring(keyring, key, record) : null;
    if (fromKeyring) copies.push({ ...fromKeyring, source: 'keyring' });
    if (record?.store === 'file' && record.accessToken) {
      copies.push({ accessToken: record.accessToken, refreshToken: record.refreshToken, savedAt: record.savedAt, source: 'file' });
    }
    const best = copies.sort((a, b) => (b.savedAt ?? '').localeCompare(a.savedAt ?? ''))[0];
    if (!best) return null;
    return remember({
      host: key, source: best.source, location: best.source === 'keyring' ? keyring!.name : this.file.path,
      ...(record ? metaOf(record) : {}), accessToken: best.accessToken,
      ...(best.refreshToken ? { refreshToken: best.refreshToken } : {}),
    });
  }

  /** What `authStatus` reports: where the token comes from and which store is in use, token masked. */
  async status(host: string): Promise<CredentialStatus> {
    const keyring = await this.keyring();
    const store = keyring ? { store: 'keyring' as const, storeLocation: keyring.name } : { store: 'file' as const, storeLocation: this.file.path };
    let c: LoadedCredentials | null;
    try {
      c = await this.load(host);
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      return { host: hostKey(host), signedIn: false, problem: err.message, ...store };
    }
    if (!c) return { host: hostKey(host), signedIn: false, ...store };
    const { accessToken, refreshToken: _r, ...rest } = c;
    return { ...rest, signedIn: true, maskedToken: maskToken(accessToken), ...store };
  }

  /** Deletes every local copy for `host`: keyring entry and file record. */
  async remove(host: string): Promise<RemoveResult> {
    const key = hostKey(host);
    const result: RemoveResult = { removed: [], errors: [], envTokenSet: Boolean(this.env[TOKEN_ENV]?.trim()) };
    const keyring = await this.keyring();
    if (keyring) {
      try {
        if (await keyring.delete(key)) result.removed.push('keyring');
      } catch (err) {
        result.errors.push({ store: 'keyring', message: (err as Error).message });
      }
    }
    try {
      if (await this.file.get(key).catch(() => null)) {
        await this.file.put(key, null);
        result.removed.push('file');
      }
    } catch (err) {
      result.errors.push({ store: 'file', message: `${this.file.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    }
    return result;
  }

  /** Hosts with a stored record (not counting CODEVF_TOKEN). */
  async hosts(): Promise<string[]> {
    return Object.keys((await this.file.read().catch(() => ({ hosts: {} }))).hosts).sort();
  }

  private async readRecord(key: string): Promise<HostRecord | null> {
    try {
      return await this.file.get(key);
    } catch {
      throw new RpcError(ErrorCode.InvalidConfig,
        `${this.file.path} is damaged. Delete it and run: codevf login`, 'invalid_credentials_file', { path: this.file.path });
    }
  }

  private async readKeyring(keyring: Keyring, key: string, record: HostRecord | null): Promise<KeyringSecrets | null> {
    try {
      const raw = await keyring.get(key);
      if (!raw) return null;
      const parsed = KeyringSecrets.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : null;
    } catch (err) {
      if (record?.store !== 'keyring') return null; // the file copy stands; the keyring was optional
      throw new RpcError(ErrorCode.AuthRequired,
        `Your token is in the ${keyring.name}, which cannot be read now (${(err as Error).message}). Unlock it, or run: codevf login`,
        'keyring_unavailable', { retryable: true });
    }
  }
}
