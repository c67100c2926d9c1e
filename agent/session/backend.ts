// The slice of BackendClient (agent/services.ts) a session uses: declared REST calls, the task WebSocket
// with the bearer header and proxy agent set, and the raw long-poll page (validated event by event here,
// so one bad event is skipped instead of failing the whole page).
import WebSocket from 'ws';
import type { EndpointDef, ResponseOf } from '../../protocol/backend/define.js';
import { routes } from '../../protocol/backend/index.js';
import type { BackendClient, CallOptions } from '../services.js';

export interface RawPage { events: unknown[]; ended: boolean }

export interface SessionBackend {
  call<E extends EndpointDef>(ep: E, opts?: CallOptions<E>): Promise<ResponseOf<E>>;
  websocket(path: string, query?: Record<string, string | number>): Promise<WebSocket>;
  poll(taskId: string, after: number, waitSeconds: number, signal?: AbortSignal): Promise<RawPage>;
  /** Gets a fresh access token now; false when that is impossible (a PAT, CODEVF_TOKEN, a dead refresh token). */
  refresh?(): Promise<boolean>;
}

export function sessionBackend(client: BackendClient): SessionBackend {
  return {
    call: (ep, opts) => client.call(ep, opts),
    async websocket(path, query = {}) {
      const { url, options } = await client.http.webSocketOptions(path);
      const u = new URL(url);
      for (const [k, v] of Object.entries(query)) u.searchParams.set(k, String(v));
      return new WebSocket(u.href, { ...options, maxPayload: 32 * 1024 * 1024 });
    },
    async poll(taskId, after, waitSeconds, signal) {
      const raw = await client.http.request<{ events?: unknown; ended?: unknown }>('GET', routes.tasks.events.path(taskId), {
        query: { after, wait: waitSeconds }, timeoutMs: (waitSeconds + 15) * 1000, signal,
      });
      return { events: Array.isArray(raw?.events) ? raw.events : [], ended: raw?.ended === true };
    },
    refresh: () => (client.refresh ? client.refresh().catch(() => false) : Promise.resolve(false)),
  };
}
