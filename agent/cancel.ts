// The signal of the request being served, wherever its work goes: HTTP calls and git processes started while a
// handler runs pick it up here, so cancelling the request stops them without each handler passing it along.
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` (a handler) with `signal` as the current request's signal. */
export const withRequestSignal = <T>(signal: AbortSignal, fn: () => T): T => scope.run(signal, fn);

/** The signal of the request whose handler started the current work, if any. */
export const currentSignal = (): AbortSignal | undefined => scope.getStore();
