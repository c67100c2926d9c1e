// Seam for the browser pages (sign in, device approval, CLI access, engineer console, checkout).
// PLACEHOLDER: serves only a plain link list at `/`; the web engineer replaces this module.
import { pages } from '../../protocol/backend/index.js';
import type { Router } from '../http/router.js';
import type { Services } from '../services.js';

export function registerWebRoutes(router: Router, _services: Services): void {
  router.raw('GET', pages.home.pattern, (_req, res) => {
    const links = [pages.signIn, pages.device, pages.tokens, pages.console]
      .map((p) => `<li><a href="${p.path()}">${p.path()}</a></li>`).join('');
    const html = `<!doctype html><meta charset="utf-8"><title>CodeVF sandbox</title><h1>CodeVF sandbox</h1><ul>${links}</ul>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
    res.end(html);
  });
}
