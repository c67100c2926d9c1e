// The signal of the request being served, wherever its work goes: HTTP calls, git and other child processes
// started while a handler runs pick it up here, so cancelling the request stops them without each handler
// passing it along. Work that outlives the request (the session's stream and outbox, approved commands, the
// AI agent, results cached for every caller) starts in `outsideRequest`, so no one request's cancel stops it.
import type { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';

interface Scope { signal: AbortSignal; live: boolean }
// Made on the first request that can start work: initialize is answered before async_hooks loads.
let scope: AsyncLocalStorage<Scope> | undefined;
const storage = () => (scope ??= new (createRequire(import.meta.url)('node:async_hooks') as typeof import('node:async_hooks')).AsyncLocalStorage<Scope>());

/** Runs `fn` (a handler) with `signal` as the current request's signal, until its promise settles. */
export async function withRequestSignal<T>(signal: AbortSignal, fn: () => T | Promise<T>): Promise<T> {
  const s: Scope = { signal, live: true };
  // A timer or callback the handler left behind runs after the answer: it is no longer this request's work.
  try { return await storage().run(s, fn); } finally { s.live = false; }
}

/** The signal of the request whose handler started the current work, while that request is in flight. */
export const currentSignal = (): AbortSignal | undefined => {
  const s = scope?.getStore();
  return s?.live ? s.signal : undefined;
};

/** Runs `fn` as nobody's request: what it starts is not stopped by the cancel of the request that started it. */
export const outsideRequest = <T>(fn: () => T): T => (scope ? scope.exit(fn) : fn());
