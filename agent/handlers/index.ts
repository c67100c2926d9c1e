// Every feature the agent serves. Adding a feature: declare it in protocol/ (in a group), write its module here,
// list it. Startup registers each method by name from the generated table; a group's zod declarations and
// handlers (and the ws, git, zip or keyring code behind them) load on its first call, or in the background
// once `initialize` has been answered.
import type { AnyRequestDef } from '../../protocol/define.js';
import methodTable from '../../schemas/methods.json' with { type: 'json' };
import type { AgentContext, Feature } from '../context.js';
import { Router } from '../router.js';
import { lifecycle } from './lifecycle.js';

type LazyGroup = 'account' | 'project' | 'session' | 'setup';
interface Loaded { defs: readonly AnyRequestDef[]; features: Feature[] }

const loaders: Array<() => Promise<unknown>> = [];

/** Loads every lazy group in the background (after initialize), so a first call does not wait for it. */
export function warmUp(): void {
  for (const load of loaders) load().catch(() => { /* the first real call reports the failure */ });
}

function namesOf(group: LazyGroup): string[] {
  return Object.entries(methodTable.methods as Record<string, { kind: string; direction: string; group?: string }>)
    .filter(([, m]) => m.group === group && m.kind === 'request' && m.direction === 'client-to-agent')
    .map(([name]) => name);
}

function lazy(group: LazyGroup, load: () => Promise<Loaded>): Feature {
  return (router: Router, agent: AgentContext) => {
    let inner: Promise<{ r: Router; defs: Map<string, AnyRequestDef> }> | undefined;
    const get = () => (inner ??= load().then(({ defs, features }) => {
      const r = new Router();
      for (const f of features) f(r, agent);
      return { r, defs: new Map(defs.map((d) => [d.method, d])) };
    }, (err) => { inner = undefined; throw err; }));
    loaders.push(get);
    for (const name of namesOf(group)) {
      router.onLazy(name, async () => {
        const { r, defs } = await get();
        const def = defs.get(name);
        if (!def) throw new Error(`schemas/methods.json lists ${name} in ${group}, protocol/ does not: run npm run gen`);
        return { def, fn: (params, ctx) => r.invoke(def, params, ctx) as never };
      });
    }
  };
}

export const features: Feature[] = [
  lifecycle,
  lazy('account', async () => ({
    defs: (await import('../../protocol/methods/account.js')).accountRequests,
    features: [(await import('./account.js')).account],
  })),
  lazy('project', async () => ({
    defs: (await import('../../protocol/methods/project.js')).projectRequests,
    features: [(await import('./project.js')).project, (await import('./snapshot.js')).snapshot],
  })),
  lazy('session', async () => ({
    defs: [...(await import('../../protocol/methods/session.js')).sessionRequests, ...(await import('../../protocol/methods/ai.js')).aiRequests],
    features: [(await import('./session.js')).session],
  })),
  lazy('setup', async () => ({
    defs: (await import('../../protocol/methods/setup.js')).setupRequests,
    features: [(await import('./setup.js')).setup],
  })),
];
