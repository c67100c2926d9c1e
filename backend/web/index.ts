// The browser pages: sign in, device approval, CLI access, engineer console, checkout stand-in, and the
// stylesheet and scripts they load. Pages use the session cookie set at sign-in; every POST checks CSRF.
import { ApiError } from '../errors.js';
import type { Router } from '../http/router.js';
import type { Services } from '../services.js';
import { assetPaths, serveAsset } from './assets.js';
import { registerCheckout } from './checkout.js';
import { registerConsole } from './console.js';
import { registerDevice } from './device.js';
import { registerSignIn } from './signin.js';
import { registerTokens } from './tokens.js';
import { guarded } from './respond.js';

export function registerWebRoutes(router: Router, services: Services): void {
  for (const path of assetPaths) router.raw('GET', path, (req, res) => serveAsset(req, res, path));
  registerSignIn(router, services);
  registerDevice(router, services);
  registerTokens(router, services);
  registerConsole(router, services);
  registerCheckout(router, services);
  router.notFoundPage = guarded(services, () => {
    throw new ApiError(404, 'route_not_found', 'There is no page at this address.');
  });
}
