// A reverse proxy that passes HTTP to the sandbox but refuses WebSocket upgrades while `blocked` is true:
// what a corporate proxy or firewall that breaks WebSockets looks like to the agent. `hold()` also stops the
// event stream altogether (open sockets cut, upgrades and long polls refused) while calls into the task pass.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export async function noWebSocketProxy(target: string, blocked = true) {
  const sockets = new Set<Duplex>();
  const state = {
    blocked, refused: 0, held: false,
    hold() { state.held = true; for (const s of sockets) s.destroy(); sockets.clear(); },
  };
  const t = new URL(target);
  const server = http.createServer((req, res) => {
    if (state.held && /\/events(\?|$)/.test(req.url ?? '')) { res.writeHead(503); res.end(); return; }
    const up = http.request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(up);
  });
  server.on('upgrade', (req, socket, head) => {
    if (state.blocked || state.held) {
      state.refused++;
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const up = http.request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers });
    up.on('upgrade', (r, upSocket, upHead) => {
      const lines = [`HTTP/1.1 ${r.statusCode} ${r.statusMessage}`, ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`)];
      socket.write(lines.join('\r\n') + '\r\n\r\n');
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.pipe(socket).pipe(upSocket);
      sockets.add(socket);
      socket.on('close', () => { sockets.delete(socket); upSocket.destroy(); });
      socket.on('error', () => upSocket.destroy());
      upSocket.on('error', () => socket.destroy());
    });
    up.on('error', () => socket.destroy());
    up.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
