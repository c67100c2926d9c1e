// Opens an http(s) URL in the person's browser: $BROWSER, else the platform's opener. Used by the agent (login)
// and the terminal (checkout). "Opened" is claimed only when an opener started and did not fail; otherwise the
// caller prints the URL and the reason.
import { spawn } from 'node:child_process';

export type Opened = { opened: true } | { opened: false; why: string };

// An opener still running after this is taken as a browser that started (a browser in the foreground).
const SETTLE_MS = 1500;

function opener(url: string, env: NodeJS.ProcessEnv): [string, string[]] | string {
  if (env.BROWSER) return [env.BROWSER, [url]];
  if (process.platform === 'darwin') return ['open', [url]];
  if (process.platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler', url]];
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return 'no display: DISPLAY and WAYLAND_DISPLAY are not set';
  return ['xdg-open', [url]];
}

export function openUrl(url: string, env: NodeJS.ProcessEnv = process.env): Promise<Opened> {
  let href: string;
  try { href = new URL(url).href; } catch { return Promise.resolve({ opened: false, why: 'not a URL' }); }
  if (!/^https?:\/\//i.test(href)) return Promise.resolve({ opened: false, why: 'not an http(s) URL' });
  const o = opener(href, env);
  if (typeof o === 'string') return Promise.resolve({ opened: false, why: o });
  const [cmd, args] = o;
  return new Promise((resolve) => {
    let child;
    try { child = spawn(cmd, args, { stdio: 'ignore', detached: true }); } catch { resolve({ opened: false, why: `${cmd} could not start` }); return; }
    const timer = setTimeout(() => { child.unref(); resolve({ opened: true }); }, SETTLE_MS);
    child.once('error', () => { clearTimeout(timer); resolve({ opened: false, why: `${cmd} was not found` }); });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 ? { opened: true } : { opened: false, why: `${cmd} failed (${signal ?? `exit code ${code}`})` });
    });
  });
}
