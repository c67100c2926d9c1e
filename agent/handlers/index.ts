// Every feature the agent serves. Adding a feature: declare it in protocol/, write its module here, list it.
// Features other than the lifecycle load on first use, so `initialize` never waits for ws, git, zip or keyring code.
import type { AnyRequestDef } from '../../protocol/define.js';
import { accountRequests } from '../../protocol/methods/account.js';
import { projectRequests, UploadSnapshot } from '../../protocol/methods/project.js';
import { sessionRequests } from '../../protocol/methods/session.js';
import type { Feature } from '../context.js';
import { Router } from '../router.js';
import { lifecycle } from './lifecycle.js';

const loaders: Array<() => Promise<unknown>> = [];

/** Loads every lazy feature in the background (after initialize), so a first call does not wait for it. */
export function warmUp(): void {
  for (const load of loaders) load().catch(() => { /* the first real call reports the failure */ });
}

/** Registers `defs` now; imports the feature and hands it the calls on the first one. */
function lazy(defs: readonly AnyRequestDef[], load: () => Promise<Feature>): Feature {
  return (router, agent) => {
    let inner: Promise<Router> | undefined;
    const get = () => (inner ??= load().then((feature) => {
      const r = new Router();
      feature(r, agent);
      return r;
    }, (err) => { inner = undefined; throw err; }));
    loaders.push(get);
    for (const def of defs) router.on(def, async (params, ctx) => (await get()).invoke(def, params, ctx) as never);
  };
}

export const features: Feature[] = [
  lifecycle,
  lazy(accountRequests, () => import('./account.js').then((m) => m.account)),
  lazy(projectRequests.filter((d) => d !== UploadSnapshot), () => import('./project.js').then((m) => m.project)),
  lazy([UploadSnapshot], () => import('./snapshot.js').then((m) => m.snapshot)),
  lazy(sessionRequests, () => import('./session.js').then((m) => m.session)),
];
