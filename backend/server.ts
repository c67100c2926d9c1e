// Wires services, API routes, task sockets and web pages onto one Node http server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SocketClose } from '../protocol/backend/index.js';
import { registerAccountRoutes } from './account/routes.js';
import { registerAuthRoutes } from './auth/routes.js';
import type { Config } from './config.js';
import { Api } from './http/api.js';
import { Router } from './http/router.js';
import { registerProjectRoutes } from './projects/routes.js';
import { createServices, type Services } from './services.js';
import { registerTaskRoutes } from './tasks/routes.js';
import { registerTaskSockets } from './tasks/ws.js';
import { registerWebRoutes } from './web/index.js';

export interface Running { url: string; services: Services; server: Server; close(): Promise<void> }

export async function startServer(config: Config): Promise<Running> {
  let base = '';
  const services = createServices(config, () => base);
  const router = new Router();
  const api = new Api(router, services.auth, services.idem, config.trustProxy);
  registerAuthRoutes(api, services);
  registerAccountRoutes(api, services);
  registerProjectRoutes(api, services);
  registerTaskRoutes(api, services);
  const wss = registerTaskSockets(router, services);
  registerWebRoutes(router, services);

  const server = createServer((req, res) => { void router.handle(req, res); });
  server.on('upgrade', (req, socket, head) => router.handleUpgrade(req, socket, head));
  server.headersTimeout = 20_000;
  // Expired idempotency keys are answered as new already; pruning keeps the table from growing forever.
  services.idem.prune();
  const pruner = setInterval(() => services.idem.prune(), Math.min(60_000, services.idem.ttlMs));
  pruner.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => closing ??= (async () => {
    services.billing.stopAll();
    clearInterval(pruner);
    for (const ws of wss.clients) ws.close(SocketClose.serverShutdown.code, SocketClose.serverShutdown.reason);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => { server.closeAllConnections(); for (const ws of wss.clients) ws.terminate(); }, 1000).unref();
    });
    await services.store.close();
  })();
  return { url: base, services, server, close };
}
