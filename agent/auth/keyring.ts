// The OS keyring through @napi-rs/keyring, used only where a real one exists, every call time-bounded.
// On Linux without a Secret Service the library silently falls back to the kernel keyring, which lives in
// memory and is lost at reboot: so on Linux we pin the Secret Service and probe the session bus first.
import { runChild } from '../child.js';

export const KEYRING_SERVICE = 'codevf';
export const KEYRING_TIMEOUT_MS = 3000;

/** One secret per account (here: per backend host). Tests inject a failing one. */
export interface Keyring {
  /** Shown to the user: which keyring holds the token. */
  readonly name: string;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

export class KeyringError extends Error {}

/** Bounds every call of any keyring (a locked keychain can wait forever on a prompt). */
export function boundKeyring(k: Keyring, timeoutMs = KEYRING_TIMEOUT_MS): Keyring {
  const bound = <T>(what: string, p: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KeyringError(`${k.name}: ${what} timed out after ${timeoutMs / 1000} s`)), timeoutMs);
    });
    const call = p().catch((err) => {
      throw err instanceof KeyringError ? err : new KeyringError(`${k.name}: ${what} failed: ${(err as Error).message}`);
    });
    return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
  };
  return {
    name: k.name,
    get: (account) => bound('read', () => k.get(account)),
    set: (account, secret) => bound('write', () => k.set(account, secret)),
    delete: (account) => bound('delete', () => k.delete(account)),
  };
}

function keyringName(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'macOS Keychain';
  if (platform === 'win32') return 'Windows Credential Manager';
  return 'Secret Service';
}

/** The OS keyring; the native module is loaded on first use so that Linux servers never load it. */
export function osKeyring(platform: NodeJS.Platform = process.platform, timeoutMs = KEYRING_TIMEOUT_MS): Keyring {
  const entry = async (account: string) => {
    const { AsyncEntry } = await import('@napi-rs/keyring');
    // Pinned: never the kernel keyring, which is in memory only.
    return new AsyncEntry(KEYRING_SERVICE, account, { linux: { store: 'secret-service' } });
  };
  // The signal lets the native side give up too when the bound in boundKeyring fires.
  const signal = () => AbortSignal.timeout(timeoutMs);
  return boundKeyring({
    name: keyringName(platform),
    get: async (account) => (await entry(account)).getPassword(signal()),
    set: async (account, secret) => (await entry(account)).setPassword(secret, signal()),
    delete: async (account) => (await entry(account)).deletePassword(signal()),
  }, timeoutMs);
}

// The probe belongs to the request that asked (a cancel kills it); a cached detection runs outside any request.
async function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<'ok' | 'failed' | 'missing'> {
  try {
    return (await runChild(cmd, args, { env, timeoutMs, encoding: 'utf8', maxBuffer: 1 << 20 })).exitCode === 0 ? 'ok' : 'failed';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ABORT_ERR') throw err;
    return code === 'ENOENT' ? 'missing' : 'failed';
  }
}

/** Whether a Secret Service answers on the session bus (pinging it also starts a D-Bus-activatable one). */
export async function secretServiceAvailable(env: NodeJS.ProcessEnv = process.env, timeoutMs = KEYRING_TIMEOUT_MS): Promise<boolean> {
  if (!env.DBUS_SESSION_BUS_ADDRESS) return false;
  const viaDbusSend = await run('dbus-send', ['--session', '--print-reply', `--reply-timeout=${timeoutMs}`,
    '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.DBus.Peer.Ping'], env, timeoutMs);
  if (viaDbusSend !== 'missing') return viaDbusSend === 'ok';
  const viaBusctl = await run('busctl', ['--user', `--timeout=${Math.ceil(timeoutMs / 1000)}`, 'call',
    'org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.DBus.Peer', 'Ping'], env, timeoutMs);
  return viaBusctl === 'ok';
}

/** The keyring to use on this machine, or null when only the file store is trustworthy. */
export async function detectKeyring(opts: { platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Keyring | null> {
  const platform = opts.platform ?? process.platform;
  const timeoutMs = opts.timeoutMs ?? KEYRING_TIMEOUT_MS;
  if (platform === 'darwin' || platform === 'win32') return osKeyring(platform, timeoutMs);
  if (await secretServiceAvailable(opts.env ?? process.env, timeoutMs)) return osKeyring(platform, timeoutMs);
  return null;
}
