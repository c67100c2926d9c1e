// The agent's view of the proxy code in platform/proxy.ts: the proxy's credentials become known secrets,
// redacted from everything the agent sends in any encoding.
import { proxyFor as platformProxyFor } from '../../platform/proxy.js';
import { addKnownSecret } from '../security/known-secrets.js';

export { bypassesProxy, HttpsTunnelAgent, HttpTunnelAgent, ProxyError } from '../../platform/proxy.js';

export function proxyFor(url: URL, env: NodeJS.ProcessEnv): URL | null {
  return platformProxyFor(url, env, (user, pass) => {
    addKnownSecret(pass);
    addKnownSecret(Buffer.from(`${user}:${pass}`).toString('base64'));
  });
}
