// Registers protocol endpoints: authenticates, checks scope, validates the body with the endpoint's zod
// schema (400 naming the field) and applies idempotency keys, before the handler runs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { z } from 'zod';
import { IDEMPOTENCY_HEADER, type EndpointDef } from '../../protocol/backend/index.js';
import type { Authenticator, Principal } from '../auth/principal.js';
import { ApiError } from '../errors.js';
import { checkKey, type Idempotency } from '../idempotency.js';
import { DEFAULT_BODY_LIMIT, readJson } from './body.js';
import { sendJson } from './reply.js';
import type { Params, Router } from './router.js';

export interface Ctx<B = unknown> {
  req: IncomingMessage;
  res: ServerResponse;
  params: Params;
  url: URL;
  body: B;
  principal: Principal;
  ip: string;
}

/** Returned by a handler that must set headers or a status other than 200. */
export class Reply {
  constructor(readonly body: unknown, readonly status = 200, readonly headers: Record<string, string> = {}) {}
}

/** The client's address: the peer's, or with `trustedHops` proxies in front, the address the outermost trusted
 *  proxy saw (that many entries from the right of X-Forwarded-For; entries further left are the client's word). */
export function clientIp(req: IncomingMessage, trustedHops: number): string | null {
  const peer = req.socket.remoteAddress ?? null;
  if (trustedHops <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const chain = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  const hops = [...chain, peer ?? ''];
  const pick = hops[Math.max(0, hops.length - 1 - trustedHops)];
  return isIP(pick) ? pick : peer;
}

export class Api {
  constructor(private router: Router, readonly auth: Authenticator, private idem: Idempotency, private trustedHops = 0) {}

  register<B extends z.ZodType, R extends z.ZodType>(
    def: EndpointDef<B, R>,
    handler: (ctx: Ctx<z.output<B>>) => unknown,
    opts: { maxBody?: number } = {},
  ): void {
    this.router.raw(def.method, def.pattern, async (req, res, params, url) => {
      let principal: Principal | undefined;
      if (def.auth !== 'none') {
        principal = this.auth.principal(req);
        this.auth.allow(principal, def.auth, def.scope);
      }
      let body: unknown = undefined;
      if (def.body) {
        const raw = await readJson(req, opts.maxBody ?? DEFAULT_BODY_LIMIT);
        body = def.body.parse(raw);
      }
      const ctx = { req, res, params, url, body, principal, ip: clientIp(req, this.trustedHops) ?? '' } as Ctx<z.output<B>>;
      const keyHeader = req.headers[IDEMPOTENCY_HEADER];
      if (def.idempotency === 'required' && keyHeader === undefined) {
        throw new ApiError(400, 'idempotency_key_missing', `Send an ${IDEMPOTENCY_HEADER} header so a retry is stored once.`);
      }
      let out: unknown;
      if (def.idempotency && keyHeader !== undefined && principal) {
        const key = checkKey(keyHeader);
        const { result, replayed } = this.idem.run(principal.user.id, key, [def.pattern, params, body], () => handler(ctx));
        if (replayed) res.setHeader('idempotent-replayed', 'true');
        out = result;
      } else {
        out = await handler(ctx);
      }
      if (res.writableEnded || res.headersSent) return;
      if (out instanceof Reply) sendJson(res, out.status, out.body, out.headers);
      else sendJson(res, 200, out);
    });
  }
}
