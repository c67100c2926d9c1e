// Real local servers for the net tests: an HTTP backend, an HTTP CONNECT proxy, a self-signed certificate.
import { execFileSync } from 'node:child_process';
import { lookup as dnsLookup } from 'node:dns';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type LookupFunction } from 'node:net';
import { join } from 'node:path';

export interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string, n: number) => void;

export interface TestServer {
  port: number;
  seen: Seen[];
  handle: (h: Handler) => void;
  server: http.Server;
  close: () => Promise<void>;
}

function wire(server: http.Server): Omit<TestServer, 'port'> {
  const seen: Seen[] = [];
  let handler: Handler = (_q, res) => res.end('{}');
  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body, seen.length);
    });
  });
  return {
    seen, server, handle: (h) => { handler = h; },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

function listen(server: net.Server): Promise<number> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
}

export async function startHttp(): Promise<TestServer> {
  const w = wire(http.createServer());
  return { ...w, port: await listen(w.server) };
}

export async function startHttps(cert: { key: Buffer; cert: Buffer }): Promise<TestServer> {
  const w = wire(https.createServer(cert));
  return { ...w, port: await listen(w.server) };
}

/** A JSON answer with a status. */
export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Test host names that only the proxy and `testLookup` resolve: proves where a connection went. */
export const FAKE_HOSTS: Record<string, string> = { 'backend.test': '127.0.0.1' };

export const testLookup: LookupFunction = ((hostname: string, options: { all?: boolean }, cb: (...a: unknown[]) => void) => {
  const address = FAKE_HOSTS[hostname];
  if (!address) return dnsLookup(hostname, options as never, cb as never);
  if (options?.all) cb(null, [{ address, family: 4 }]);
  else cb(null, address, 4);
}) as LookupFunction;

export interface TestProxy {
  port: number;
  url: string;
  /** `host:port` of every CONNECT received, in order. */
  connects: string[];
  /** Raw connections accepted (CONNECT or not). */
  connections: number;
  close: () => Promise<void>;
}

/** A minimal HTTP CONNECT proxy on 127.0.0.1; `auth` makes it demand Basic credentials. */
export async function startProxy(opts: { auth?: string } = {}): Promise<TestProxy> {
  const sockets = new Set<net.Socket>();
  const state = { connects: [] as string[], connections: 0 };
  const server = net.createServer((client) => {
    state.connections++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      const [method, authority] = lines[0].split(' ');
      if (method !== 'CONNECT') return void client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
      state.connects.push(authority);
      const given = lines.find((l) => /^proxy-authorization:/i.test(l))?.split(/:\s*/)[1];
      if (opts.auth && given !== `Basic ${Buffer.from(opts.auth).toString('base64')}`) {
        return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      }
      const [host, port] = authority.replace(/^\[|\](?=:)/g, '').split(/:(?=\d+$)/);
      const upstream = net.connect(Number(port), FAKE_HOSTS[host] ?? host, () => {
        client.write('HTTP/1.1 200 Connection established\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length) upstream.write(rest);
        client.pipe(upstream).pipe(client);
      });
      sockets.add(upstream);
      upstream.on('close', () => { sockets.delete(upstream); client.destroy(); });
      upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    };
    client.on('data', onData);
  });
  const port = await listen(server);
  return {
    port, url: `http://127.0.0.1:${port}`,
    get connects() { return state.connects; },
    get connections() { return state.connections; },
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

/** A self-signed certificate for `backend.test` (openssl), written under `dir`. */
export function selfSignedCert(dir: string): { key: Buffer; cert: Buffer } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=backend.test', '-addext', 'subjectAltName=DNS:backend.test'],
  { stdio: 'ignore' });
  return { key: readFileSync(key), cert: readFileSync(cert) };
}
