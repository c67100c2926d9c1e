// doctor: which git, keyring, host and Node this agent uses, and what is missing, each with its fix.
import { routes } from '../../protocol/backend/routes.js';
import { Doctor, GetConfig, SetConfig } from '../../protocol/methods/setup.js';
import { AuthFileStore, configDir } from '../auth/file-store.js';
import { detectKeyring } from '../auth/keyring.js';
import type { AgentContext, Feature } from '../context.js';
import { configPath, readUserConfig, writeUserConfig } from '../config/user-config.js';
import { checkUrl } from '../net/url-policy.js';
import { gitInfo } from '../project/git-exec.js';
import { defaultHost, getServices } from '../services.js';
import { hostKey } from '../auth/store.js';

const MIN_NODE = 20;

function nodeCheck() {
  const major = Number(process.versions.node.split('.')[0]);
  const ok = major >= MIN_NODE;
  return { ok, detail: `Node ${process.versions.node}`, fix: ok ? null : `Install Node ${MIN_NODE} or newer (22 or 24 recommended).`, version: process.versions.node, path: process.execPath };
}

async function gitCheck() {
  try {
    const g = await gitInfo();
    return { ok: true, detail: `${g.version} (${g.source === 'dugite' ? "dugite's own git" : 'on PATH'})`, fix: null, ...g };
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no git on PATH' : `git does not run (${(err as Error).message})`;
    return { ok: false, detail: why, fix: 'Install git (e.g. apt install git, brew install git); sync and snapshots need it.', source: null, binary: null, execPath: null, version: null };
  }
}

async function keyringCheck(agent: AgentContext) {
  const fileStore = new AuthFileStore(configDir(agent.options.env)).path;
  const addon = await import('@napi-rs/keyring').then(() => true, () => false);
  const keyring = addon ? await detectKeyring({ env: agent.options.env }).catch(() => null) : null;
  if (keyring) return { ok: true, detail: keyring.name, fix: null, name: keyring.name, addon, fileStore };
  const detail = addon ? `no OS keyring reachable; tokens go to ${fileStore} (mode 0600)` : `the keyring addon (@napi-rs/keyring) does not load; tokens go to ${fileStore} (mode 0600)`;
  const fix = addon ? 'Optional: run a Secret Service (gnome-keyring) in your desktop session to keep tokens in the keyring.' : 'Reinstall codevf so that npm installs @napi-rs/keyring for this platform.';
  return { ok: false, detail, fix, name: null, addon, fileStore };
}

async function hostCheck(agent: AgentContext) {
  const { url, source } = defaultHost(agent);
  try {
    await getServices(agent).anonymous(url).call(routes.account.rates, { timeoutMs: 5000 });
    return { ok: true, detail: `${url} answers`, fix: null, url, source, reachable: true };
  } catch (err) {
    const fix = source === 'default' ? 'Start the sandbox (codevf sandbox) or choose a host: codevf config set host URL' : 'Check the address and your network or proxy (HTTPS_PROXY, NO_PROXY).';
    return { ok: false, detail: `${url} does not answer: ${(err as Error).message}`, fix, url, source, reachable: false };
  }
}

function entries(agent: AgentContext) {
  const { url, source } = defaultHost(agent);
  return { path: configPath(agent.options.env), entries: [{ key: 'host' as const, value: readUserConfig(agent.options.env).host ?? null, effective: url, source }] };
}

export const setup: Feature = (router, agent) => {
  router.on(GetConfig, (p) => {
    const all = entries(agent);
    return { ...all, entries: all.entries.filter((e) => !p?.key || e.key === p.key) };
  });
  router.on(SetConfig, async (p) => {
    const { env } = agent.options;
    const current = readUserConfig(env);
    const host = p.value === null ? undefined : hostKey(checkUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(p.value) ? p.value : `https://${p.value}`, agent.options.insecure).href);
    await writeUserConfig(env, { ...current, host });
    return entries(agent);
  });

  router.on(Doctor, async (_p, ctx) => {
    const [git, keyring, host] = await Promise.all([gitCheck(), keyringCheck(agent), hostCheck(agent)]);
    ctx.signal.throwIfAborted(); // a check stopped by the cancel would read as a failed one
    const node = nodeCheck();
    const missing = Object.entries({ node, git, keyring, host })
      .filter(([, c]) => !c.ok).map(([name, c]) => `${name}: ${c.detail}${c.fix ? `. ${c.fix}` : ''}`);
    return { node, git, keyring, host, missing };
  });
};
