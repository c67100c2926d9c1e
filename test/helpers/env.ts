// A clean per-test environment: its own HOME and XDG folders, no inherited token or proxy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempEnv(host: string, extra: NodeJS.ProcessEnv = {}) {
  const home = mkdtempSync(join(tmpdir(), 'cvf-home-'));
  const env: NodeJS.ProcessEnv = {
    HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'),
    CODEVF_HOST: host, CODEVF_TOKEN: '', DBUS_SESSION_BUS_ADDRESS: '', BROWSER: '/bin/false',
    HTTPS_PROXY: '', HTTP_PROXY: '', https_proxy: '', http_proxy: '', ...extra,
  };
  return { home, env, authFile: join(home, '.config', 'codevf', 'auth.json'), cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** A call to the sandbox's HTTP API, as a browser page or another client would make it. */
export async function api(base: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(base + path, {
    method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => null) as any };
}
