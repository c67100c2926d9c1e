// `$XDG_CONFIG_HOME/codevf/config.json`: the user's settings (`codevf config`), 0600 in the 0700 folder
// auth.json lives in. Read once per agent; a damaged file is an error that names the file, never ignored.
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { configDir } from '../auth/file-store.js';
import { writeFileAtomic } from '../project/atomic-write.js';

export const UserConfig = z.object({
  version: z.literal(1),
  host: z.string().min(1).optional(),
}).strict();
export type UserConfig = z.infer<typeof UserConfig>;

export const configPath = (env: NodeJS.ProcessEnv) => join(configDir(env), 'config.json');

function invalid(path: string, why: string): RpcError {
  return new RpcError(ErrorCode.InvalidConfig, `${path} is not a valid codevf settings file (${why}). Fix or delete it.`, 'invalid_settings_file', { path });
}

export function readUserConfig(env: NodeJS.ProcessEnv): UserConfig {
  const path = configPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1 };
    throw invalid(path, (err as NodeJS.ErrnoException).code ?? 'unreadable');
  }
  let json: unknown;
  try { json = JSON.parse(text); } catch { throw invalid(path, 'not JSON'); }
  const parsed = UserConfig.safeParse(json);
  if (!parsed.success) throw invalid(path, parsed.error.issues[0]?.path.join('.') || parsed.error.issues[0]?.message || 'bad shape');
  return parsed.data;
}

export async function writeUserConfig(env: NodeJS.ProcessEnv, config: UserConfig): Promise<string> {
  const path = configPath(env);
  await mkdir(configDir(env), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, `${JSON.stringify(UserConfig.parse(config), null, 2)}\n`, 0o600);
  return path;
}
