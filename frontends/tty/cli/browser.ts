// Opens an http(s) URL in the person's browser: $BROWSER if set, else the platform's opener. Not being able
// to open one is not an error: the caller prints the URL instead.
import { spawn } from 'node:child_process';

function opener(url: string, env: NodeJS.ProcessEnv): [string, string[]] {
  if (env.BROWSER) return [env.BROWSER, [url]];
  if (process.platform === 'darwin') return ['open', [url]];
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]];
  return ['xdg-open', [url]];
}

/** Resolves true once the opener ran and exited 0; false when it is missing, fails or hangs past 5 s. */
export function openUrl(url: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (!/^https?:\/\//i.test(url)) return Promise.resolve(false);
  const [cmd, args] = opener(url, env);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    const timer = setTimeout(() => { child.unref(); resolve(true); }, 5000);
    child.on('error', () => { clearTimeout(timer); resolve(false); });
    child.on('exit', (code) => { clearTimeout(timer); resolve(code === 0); });
  });
}
