// Opens a URL in the user's browser, only for http(s). Failing to open one is not an error: the caller
// already shows the URL.
import { spawn } from 'node:child_process';

export function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  let parsed: URL;
  try { parsed = new URL(url); } catch { return Promise.resolve(false); }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return Promise.resolve(false);
  const [cmd, args] = env.BROWSER ? [env.BROWSER, [parsed.href]]
    : process.platform === 'darwin' ? ['open', [parsed.href]]
    : process.platform === 'win32' ? ['rundll32', ['url.dll,FileProtocolHandler', parsed.href]]
    : ['xdg-open', [parsed.href]];
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => { child.unref(); resolve(true); });
    } catch {
      resolve(false);
    }
  });
}
