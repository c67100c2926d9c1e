// This installation: what it runs on (doctor) and the user's settings (config).
import * as z from 'zod';
import { defineRequest } from '../define.js';

const Check = z.object({
  ok: z.boolean().describe('Usable as it is.'),
  detail: z.string().describe('What was found, or what is wrong.'),
  fix: z.string().nullable().describe('What to do about it; null when nothing is needed.'),
});

export const HostSource = z.enum(['flag', 'env', 'config', 'default']).describe('Where the host came from: --host, CODEVF_HOST, `codevf config set host`, or the built-in default.');

export const Doctor = defineRequest({
  method: 'doctor',
  summary: 'Reports the git, keyring, backend host and Node the agent uses, and what is missing.',
  params: z.object({}).optional(),
  result: z.object({
    node: Check.extend({ version: z.string(), path: z.string() }),
    git: Check.extend({
      source: z.enum(['dugite', 'path']).nullable().describe("dugite's own git, or the git found on PATH; null when none runs."),
      binary: z.string().nullable(),
      execPath: z.string().nullable().describe('GIT_EXEC_PATH given to each git run.'),
      version: z.string().nullable(),
    }),
    keyring: Check.extend({
      name: z.string().nullable().describe('The OS keyring in use; null when tokens go to the file store.'),
      addon: z.boolean().describe('The native keyring addon (@napi-rs/keyring) loads.'),
      fileStore: z.string().describe('Where tokens go without a keyring.'),
    }),
    host: Check.extend({ url: z.string(), source: HostSource, reachable: z.boolean() }),
    missing: z.array(z.string()).describe('One line per thing that does not work, each with its fix; empty when all is well.'),
  }),
  examples: [{
    params: {},
    result: {
      node: { ok: true, detail: 'Node 22.12.0', fix: null, version: '22.12.0', path: '/usr/bin/node' },
      git: { ok: true, detail: 'git version 2.47.1 on PATH', fix: null, source: 'path', binary: 'git', execPath: '/usr/lib/git-core', version: 'git version 2.47.1' },
      keyring: { ok: true, detail: 'Secret Service', fix: null, name: 'Secret Service', addon: true, fileStore: '/home/me/.config/codevf/auth.json' },
      host: { ok: true, detail: 'answers', fix: null, url: 'https://api.codevf.com', source: 'config', reachable: true },
      missing: [],
    },
  }],
});

export const ConfigKey = z.enum(['host']).describe('A setting: `host` is the backend used when no --host or CODEVF_HOST is given.');

const ConfigEntry = z.object({
  key: ConfigKey,
  value: z.string().nullable().describe('The stored value; null when unset.'),
  effective: z.string().describe('The value in use now, wherever it came from.'),
  source: HostSource,
});

export const GetConfig = defineRequest({
  method: 'getConfig',
  summary: 'Reads the settings file ($XDG_CONFIG_HOME/codevf/config.json): every key, or one.',
  params: z.object({ key: ConfigKey.optional() }).optional(),
  result: z.object({ path: z.string(), entries: z.array(ConfigEntry) }),
  examples: [{ params: { key: 'host' }, result: { path: '/home/me/.config/codevf/config.json', entries: [{ key: 'host', value: 'https://api.codevf.com', effective: 'https://api.codevf.com', source: 'config' }] } }],
});

export const SetConfig = defineRequest({
  method: 'setConfig',
  summary: 'Stores a setting; `value: null` removes it. A host must be an http(s) URL (plain http only for loopback unless --insecure).',
  params: z.object({ key: ConfigKey, value: z.string().min(1).max(2048).nullable() }),
  result: z.object({ path: z.string(), entries: z.array(ConfigEntry) }),
  examples: [{ params: { key: 'host', value: 'https://api.codevf.com' }, result: { path: '/home/me/.config/codevf/config.json', entries: [{ key: 'host', value: 'https://api.codevf.com', effective: 'https://api.codevf.com', source: 'config' }] } }],
});

export const setupRequests = [Doctor, GetConfig, SetConfig] as const;
