// HTTPS_PROXY / HTTP_PROXY / NO_PROXY, and agents that tunnel through the proxy with HTTP CONNECT.
// The same agents serve REST (http.request), uploads and `ws` WebSockets (`new WebSocket(url, { agent })`)
// in the agent, and the terminal's release downloads (self-update, the update notice).
import http from 'node:http';
import https from 'node:https';
import net, { BlockList, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/** `localhost`, 127.0.0.0/8, ::1 and IPv4-mapped 127.x. Names other than `localhost` are not trusted to resolve there. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === 'localhost.') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

const safeDecode = (s: string) => { try { return decodeURIComponent(s); } catch { return s; } };

export class ProxyError extends Error {
  constructor(message: string, readonly proxyHost: string) { super(message); }
}

const envOf = (env: NodeJS.ProcessEnv, name: string) => env[name.toLowerCase()] || env[name.toUpperCase()] || '';

function hostMatches(host: string, port: string, entry: string): boolean {
  let e = entry.toLowerCase();
  let entryPort = '';
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(e);
  if (m) [, e, entryPort] = m;
  if (entryPort && entryPort !== port) return false;
  e = e.replace(/^\[|\]$/g, '');
  if (e.includes('/') && isIP(host)) {
    const [subnet, bits] = e.split('/');
    const family = isIP(subnet) === 6 ? 'ipv6' : 'ipv4';
    if (!isIP(subnet) || isIP(host) !== isIP(subnet)) return false;
    const list = new BlockList();
    list.addSubnet(subnet, Number(bits), family);
    return list.check(host, family);
  }
  e = e.replace(/^\*?\./, '');
  return host === e || host.endsWith(`.${e}`);
}

/** Whether NO_PROXY (comma or space separated: names, `.suffix`, `*`, IPs, CIDRs, `host:port`) covers the URL. */
export function bypassesProxy(url: URL, env: NodeJS.ProcessEnv): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopbackHost(host)) return true; // the sandbox on loopback is never sent through a proxy
  const port = url.port || (url.protocol === 'https:' || url.protocol === 'wss:' ? '443' : '80');
  const entries = envOf(env, 'no_proxy').split(/[\s,]+/).filter(Boolean);
  return entries.some((e) => e === '*' || hostMatches(host, port, e));
}

/** The proxy for this URL from the environment (lowercase first, as curl does), or null. `onPassword` is told
 *  the proxy's credentials (the agent redacts them from everything it sends). */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv, onPassword?: (user: string, pass: string) => void): URL | null {
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const raw = envOf(env, secure ? 'https_proxy' : 'http_proxy');
  if (!raw || bypassesProxy(url, env)) return null;
  try {
    const proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
    if (proxy.password) onPassword?.(safeDecode(proxy.username), safeDecode(proxy.password));
    return proxy.protocol === 'http:' || proxy.protocol === 'https:' ? proxy : null;
  } catch {
    return null;
  }
}

export interface TunnelOptions {
  /** Bounds the proxy connection and its CONNECT answer. */
  timeoutMs: number;
  lookup?: net.LookupFunction;
  ca?: tls.SecureContextOptions['ca'];
}

/** Opens a socket to `host:port` through the proxy's CONNECT method. */
export function connectTunnel(proxy: URL, host: string, port: number, opts: TunnelOptions): Promise<net.Socket> {
  const proxyHost = proxy.host;
  const proxyPort = Number(proxy.port) || (proxy.protocol === 'https:' ? 443 : 80);
  const base = { host: proxy.hostname.replace(/^\[|\]$/g, ''), port: proxyPort, lookup: opts.lookup };
  const socket: net.Socket = proxy.protocol === 'https:'
    ? tls.connect({ ...base, servername: isIP(base.host) ? undefined : base.host, ca: opts.ca, rejectUnauthorized: true })
    : net.connect(base);
  const authority = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  const auth = proxy.username
    ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
    : '';
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const fail = (message: string) => {
      cleanup();
      socket.destroy();
      reject(new ProxyError(message, proxyHost));
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return buffered.length > 16384 ? fail(`proxy ${proxyHost} sent an oversized answer`) : undefined;
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(buffered.subarray(0, end).toString('latin1'))?.[1];
      if (status !== '200') return fail(`proxy ${proxyHost} refused CONNECT ${authority} (${status ? `HTTP ${status}` : 'bad answer'})`);
      cleanup();
      const rest = buffered.subarray(end + 4);
      if (rest.length) socket.unshift(rest);
      resolve(socket);
    };
    const onError = (err: Error) => fail(`proxy ${proxyHost}: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
    const onClose = () => fail(`proxy ${proxyHost} closed the connection`);
    const timer = setTimeout(() => fail(`proxy ${proxyHost} did not answer within ${opts.timeoutMs} ms`), opts.timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('data', onData).off('error', onError).off('close', onClose);
    };
    socket.on('data', onData).on('error', onError).on('close', onClose);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
  });
}

type ConnOpts = http.ClientRequestArgs & tls.ConnectionOptions;
type ConnCallback = (err: Error | null, stream: Duplex) => void;

function tunnelConnection(proxy: URL, secure: boolean, opts: TunnelOptions) {
  return (options: ConnOpts, cb?: ConnCallback): undefined => {
    const host = String(options.hostname ?? options.host ?? 'localhost').replace(/^\[|\]$/g, '');
    const port = Number(options.port) || (secure ? 443 : 80);
    connectTunnel(proxy, host, port, opts).then((socket) => {
      if (!secure) return cb?.(null, socket);
      // Certificate checks stay on inside the tunnel: verified against the target's name, not the proxy's.
      const tlsSocket = tls.connect({
        socket, servername: options.servername || (isIP(host) ? undefined : host),
        ca: options.ca ?? opts.ca, rejectUnauthorized: true, ALPNProtocols: ['http/1.1'],
      });
      socket.on('error', (err) => tlsSocket.destroy(err)); // the raw tunnel's failures end the TLS stream
      cb?.(null, tlsSocket);
    }, (err: Error) => cb?.(err, undefined as unknown as Duplex));
    return undefined;
  };
}

/** An http.Agent whose connections go through the proxy (for http:// and ws:// targets). */
export class HttpTunnelAgent extends http.Agent {
  constructor(proxy: URL, opts: TunnelOptions) {
    super({ keepAlive: true });
    this.createConnection = tunnelConnection(proxy, false, opts) as http.Agent['createConnection'];
  }
}

/** An https.Agent whose TLS connections run inside a CONNECT tunnel (for https:// and wss:// targets). */
export class HttpsTunnelAgent extends https.Agent {
  constructor(proxy: URL, opts: TunnelOptions) {
    super({ keepAlive: true, ca: opts.ca });
    this.createConnection = tunnelConnection(proxy, true, opts) as https.Agent['createConnection'];
  }
}
