// The once-a-day "a newer codevf exists" line: only when a person is at a terminal, never with --json,
// never when CODEVF_NO_UPDATE_NOTIFIER=1 or CI is set. The check runs beside the command and never fails it.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { VERSION } from '../../../protocol/version.js';
import type { Io } from './io.js';
import { compareVersions, latestVersion, releaseUrl } from './release.js';

const DAY_MS = 24 * 60 * 60 * 1000;

function stateFile(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_STATE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.local', 'state'), 'codevf', 'update-check.json');
}

export function noticeWanted(io: Io, command: string): boolean {
  const env = io.env;
  return !io.json && command !== 'self-update' && Boolean(process.stdout.isTTY && process.stderr.isTTY)
    && env.CODEVF_NO_UPDATE_NOTIFIER !== '1' && !env.CI;
}

/** The newer version to mention, or null; at most one check (and so one notice) per day. */
async function check(env: NodeJS.ProcessEnv): Promise<string | null> {
  const file = stateFile(env);
  const last = await readFile(file, 'utf8').then((t) => Number(JSON.parse(t).checkedAt), () => 0);
  if (Number.isFinite(last) && Date.now() - last < DAY_MS) return null;
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, JSON.stringify({ checkedAt: Date.now() }));
  const latest = await latestVersion(releaseUrl(env), 3000);
  return compareVersions(latest, VERSION) > 0 ? latest : null;
}

/** Starts the check; the returned function prints the notice (waiting at most a moment for the check). */
export function startUpdateNotice(io: Io, command: string): () => Promise<void> {
  if (!noticeWanted(io, command)) return async () => {};
  const pending = check(io.env).catch(() => null);
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const newer = await Promise.race([pending, new Promise<null>((r) => { timer = setTimeout(() => r(null), 1500); })]);
    clearTimeout(timer);
    if (newer) io.info(`\n${io.err.yellow(`A new release of codevf is available: ${VERSION} -> ${newer}`)}\nRun: codevf self-update   (CODEVF_NO_UPDATE_NOTIFIER=1 turns this off)`);
  };
}
