// V8's code cache for the agent's modules where Node has it (>= 22.1, module.enableCompileCache): a later start
// skips parsing and compiling them. Only in the user's own cache folder: 0700, theirs, not a link (a cache
// others can write is code they can run here). Anything odd means no cache: a slower start, nothing else.
import { lstatSync, mkdirSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** `$XDG_CACHE_HOME/codevf/compile-cache`, else `~/.cache/codevf/compile-cache`. */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.cache'), 'codevf', 'compile-cache');
}

function ownPrivateDir(dir: string): boolean {
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  return st.isDirectory() && (uid === undefined || (st.uid === uid && (st.mode & 0o077) === 0));
}

/** Turns the cache on; returns the folder used, or null (no support, CODEVF_NO_COMPILE_CACHE=1, unsafe folder). */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): string | null {
  const enable = (module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  if (!enable || env.CODEVF_NO_COMPILE_CACHE === '1') return null;
  try {
    const dir = compileCacheDir(env);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ownPrivateDir(join(dir, '..')) || !ownPrivateDir(dir)) return null;
    enable(dir);
    return dir;
  } catch {
    return null;
  }
}
