// Whether a request comes from a page of this server: no Origin (not a browser, or a same-origin GET) or one
// whose host is this request's Host. `null` (sandboxed frames, data: URLs) is another site.
import type { IncomingMessage } from 'node:http';

export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return URL.parse(origin)?.host === req.headers.host;
}
