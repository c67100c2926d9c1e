// Task WebSockets for both sides. On connect: replay the stored events after `?after=SEQ`, then live ones
// (`delivery.ts`: in seq order, none twice, with backpressure). At most a few sockets per account and task.
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { z, ZodError } from 'zod';
import { CustomerAction, CustomerMessage, EngineerAction, EngineerMessage, EventsQuery, routes } from '../../protocol/backend/index.js';
import type { Principal } from '../auth/principal.js';
import { unauthorized } from '../auth/tokens.js';
import { ApiError } from '../errors.js';
import type { EventRequest, KeyClaim } from '../idempotency.js';
import { describeZodError, toApiError } from '../http/reply.js';
import type { Router } from '../http/router.js';
import type { Services } from '../services.js';
import type { ChatMessage } from './actions.js';
import { Delivery } from './delivery.js';
import type { Side } from './service.js';

const MAX_FRAME = 15 * 1024 * 1024;
// Frames are `{type, id, payload}`: the id (idempotency key) is checked apart from the action. It is stored
// in SQLite, which does not keep a lone surrogate as it is (the key read back would never match): refused.
const wellFormed = (s: string) => !/\p{Cs}/u.test(s);
const frameId = z.string().min(1).max(200).refine(wellFormed, 'must be well-formed UTF-16 (no lone surrogate)');
const FrameId = z.object({ id: frameId }).transform((f) => f.id);

/** A lengths check a zod string declares (`min`, `max`), read from the schema, not written again. */
const fits = (schema: z.ZodString) => (s: unknown): s is string =>
  typeof s === 'string' && s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? Infinity);
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Whether the hand check below gives what zod gives for a message action: the action's variant is exactly
 *  `{type, payload}` with `payload` the message schema, that is exactly `{text}` (unknown keys dropped), and
 *  text is a plain string whose only checks are lengths. Anything a schema adds later (a field, a regex,
 *  a refine, a trim, a strict object) makes it false, and such frames all go through zod. */
export function handCheckable(action: z.ZodDiscriminatedUnion, type: string, message: z.ZodObject): boolean {
  const plainObject = (o: z.ZodObject, keys: string[]) => o instanceof z.ZodObject && o._zod.def.catchall === undefined
    && !o._zod.def.checks?.length && Object.keys(o.shape).join() === keys.join();
  const variant = action.options.find((o) => o instanceof z.ZodObject && (o.shape.type as z.ZodLiteral | undefined)?._zod.def.values?.[0] === type);
  if (action._zod.def.checks?.length || !(variant instanceof z.ZodObject) || !plainObject(variant, ['type', 'payload'])) return false;
  if (variant.shape.payload !== message || !plainObject(message, ['text'])) return false;
  const text = message.shape.text;
  return text instanceof z.ZodString && (text._zod.def.checks ?? []).every((c) => ['min_length', 'max_length'].includes(c._zod.def.check));
}

/** Most frames are chat messages: for those, a check by hand with the schemas' own limits gives what zod gives
 *  (`{id, action: {type, payload: {text}}}`, other keys dropped) at a fraction of the cost. Anything else,
 *  and every frame it would refuse, answers undefined and goes through zod, which names the field. When the
 *  schemas declare more than it checks (`handCheckable`), every frame goes through zod. */
function messageFrame<T extends 'customer_message' | 'engineer_message'>(type: T, action: z.ZodDiscriminatedUnion, message: z.ZodObject) {
  if (!handCheckable(action, type, message)) return () => undefined;
  const id = fits(frameId);
  const text = fits(message.shape.text as z.ZodString);
  return (f: unknown) => {
    if (!isRecord(f) || f.type !== type || !id(f.id) || !wellFormed(f.id) || !isRecord(f.payload) || !text(f.payload.text)) return undefined;
    return { id: f.id, action: { type, payload: { text: f.payload.text } } };
  };
}
const customerMessage = messageFrame('customer_message', CustomerAction, CustomerMessage);
const engineerMessage = messageFrame('engineer_message', EngineerAction, EngineerMessage);
// A chat message frame runs without a savepoint of its own (one of ~20 us): until its one INSERT, it only
// reads (the idempotency lookup), and that statement stores the event or nothing (`Actions.message`); after
// it, nothing can fail. When it stores nothing, it writes nothing and runs again as any other frame, in a
// savepoint, where the checks say why.
const NOT_STORED = Symbol('not stored');
const notStored = (): never => { throw NOT_STORED; };
function messageOnly<T>(run: () => T): T | typeof NOT_STORED {
  try { return run(); } catch (e) { if (e === NOT_STORED) return NOT_STORED; throw e; }
}

interface SideFrames<A> {
  side: Side;
  quick: (f: unknown) => { id: string; action: ChatMessage } | undefined;
  parse: (f: unknown) => A;
  request: (taskId: string, a: A) => unknown;
  act: (a: A, claim: KeyClaim) => unknown;
}

/** One side's frames: a chat message the hand check passes runs on its own (`messageOnly`); any other frame,
 *  and a message that stored nothing, is parsed by zod and runs in a savepoint. */
function frameHandler<A>(s: Services, p: Principal, taskId: string, f: SideFrames<A>) {
  return (frame: unknown) => {
    const quick = f.quick(frame);
    if (quick) {
      const posted = messageOnly(() => s.idem.run(p.user.id, quick.id, f.request(taskId, quick.action as A),
        (claim) => s.actions.message(f.side, p.user, taskId, quick.action, claim) ?? notStored()).result);
      if (posted !== NOT_STORED) return posted;
    }
    return s.store.savepoint(() => {
      const id = FrameId.parse(frame);
      const action = f.parse(frame);
      return s.idem.run(p.user.id, id, f.request(taskId, action), (claim) => f.act(action, claim)).result;
    });
  };
}
const PING_MS = 30_000;

const customerFrameRoute = {
  customer_message: routes.tasks.sendMessage, command_decision: routes.tasks.approveCommand,
  command_output: routes.tasks.commandOutput, command_result: routes.tasks.commandResult,
  file_decision: routes.tasks.approveFile, file_upload: routes.tasks.uploadFile, write_decision: routes.tasks.approveWrite,
} as const;

// What a frame's idempotency key is checked against: the request of the REST route the frame stands for.
type Customer = z.output<typeof CustomerAction>;
const customerRequest = (taskId: string, a: Customer) => [customerFrameRoute[a.type].pattern, { taskId }, a.payload];
const engineerRequest = (taskId: string, a: z.output<typeof EngineerAction>) => [routes.engineer.act.pattern, { taskId }, a];

/** The request a message event stored by a keyed frame was sent with (`Idempotency` checks a retry with it). */
export const keyedEventRequest: EventRequest = (taskId, type, payload) => {
  if (type === 'customer_message') return customerRequest(taskId, { type, payload } as Customer);
  if (type === 'engineer_message') return engineerRequest(taskId, { type, payload } as z.output<typeof EngineerAction>);
  return undefined;
};

/** A browser's cookie must not let another site open a socket in the user's name. */
function checkOrigin(req: IncomingMessage, p: Principal): void {
  const origin = req.headers.origin;
  if (p.kind === 'session' && origin && URL.parse(origin)?.host !== req.headers.host) {
    throw new ApiError(403, 'bad_origin', 'WebSocket from another site refused.');
  }
}

function afterParam(url: URL): number {
  const q = EventsQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!q.success) throw new ApiError(400, 'invalid_query', describeZodError(q.error, 'query'));
  return q.data.after;
}

/** Authenticates an upgrade for one side and checks the caller may watch the task. */
function admit(s: Services, req: IncomingMessage, side: 'customer' | 'engineer', taskId: string): Principal {
  const p = s.auth.principal(req);
  s.auth.allow(p, side, side === 'customer' ? 'tasks' : 'engineer');
  checkOrigin(req, p);
  if (side === 'customer') s.tasks.forCustomer(p.user.id, taskId);
  else s.tasks.forEngineer(p.user.id, taskId);
  s.sockets.admit(p, taskId);
  return p;
}

export function registerTaskSockets(router: Router, s: Services): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });

  router.upgrade(routes.tasks.events.pattern, (req, socket, head, { taskId }, url) => {
    const p = admit(s, req, 'customer', taskId);
    const after = afterParam(url);
    wss.handleUpgrade(req, socket, head, (ws) => {
      s.sockets.add(p, taskId, 'customer', ws);
      serve(s, ws, taskId, after, frameHandler(s, p, taskId, {
        side: 'customer', quick: customerMessage, parse: (f) => CustomerAction.parse(f), request: customerRequest,
        act: (a, claim) => s.actions.customer(p.user, taskId, a, claim),
      }));
    });
  });

  router.upgrade(routes.engineer.events.pattern, (req, socket, head, { taskId }, url) => {
    const p = admit(s, req, 'engineer', taskId);
    const after = afterParam(url);
    wss.handleUpgrade(req, socket, head, (ws) => {
      // The meter stops when the socket closes or its login is revoked, whichever comes first.
      let billed = s.tasks.row(taskId).status === 'active';
      const left = () => { if (billed) s.billing.engineerLeft(taskId, p.user.id); billed = false; };
      s.sockets.add(p, taskId, 'engineer', ws, left);
      serve(s, ws, taskId, after, frameHandler(s, p, taskId, {
        side: 'engineer', quick: engineerMessage, parse: (f) => EngineerAction.parse(f), request: engineerRequest,
        act: (a, claim) => s.actions.engineer(p.user, taskId, a, claim),
      }));
      if (billed) {
        s.billing.engineerJoined(taskId, p.user.id);
        ws.once('close', left);
      }
    });
  });
  return wss;
}

/** A token bucket: `perSecond` frames a second, with a burst of five seconds' worth. */
function frameBudget(perSecond: number): () => boolean {
  const burst = perSecond * 5;
  let tokens = burst;
  let at = Date.now();
  return () => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - at) * perSecond) / 1000);
    at = now;
    if (tokens < 1) return false;
    tokens--;
    return true;
  };
}

function serve(s: Services, ws: WebSocket, taskId: string, after: number, onFrame: (f: unknown) => unknown): void {
  // A client's protocol errors (oversized or malformed frames) close its socket; they are not the server's.
  ws.on('error', () => {});
  const delivery = new Delivery(ws, s.log, taskId, after, {
    stallMs: s.config.socketStallMs,
    writes: s.writes,
    ended: () => s.tasks.row(taskId).status === 'ended',
    // While the client does not read what it is sent, its further frames wait in its own TCP buffers.
    onFull: (full) => (full ? ws.pause() : ws.resume()),
  });
  const stop = delivery.start();

  let alive = true;
  const ping = setInterval(() => {
    if (!alive) return ws.terminate();
    alive = false;
    ws.ping();
  }, PING_MS);
  ws.on('pong', () => { alive = true; });
  ws.on('close', () => { stop(); clearInterval(ping); });
  // After a revocation the socket is closing: what it still sends is dropped, also frames already queued.
  const revoked = () => unauthorized('token_revoked', 'The login was revoked; the frame was dropped.');
  const budget = frameBudget(s.config.framesPerSecond);
  const answer = (id: string | null, e: ApiError) =>
    delivery.reply(JSON.stringify({ type: 'error', id, error: { code: e.code, message: e.message } }));
  ws.on('message', (data) => {
    if (ws.readyState !== ws.OPEN) return;
    let frame: { id?: unknown } | null = null;
    try { frame = JSON.parse(String(data)); } catch {
      return answer(null, new ApiError(400, 'invalid_json', 'The frame is not valid JSON.'));
    }
    const id = typeof frame?.id === 'string' ? frame.id.slice(0, 200) : null;
    if (!budget()) {
      return answer(id, new ApiError(429, 'rate_limited',
        `More than ${s.config.framesPerSecond} frames a second on this socket; this one was dropped, resend it later.`));
    }
    s.frames.add(() => {
      if (ws.readyState !== ws.OPEN) throw revoked();
      return onFrame(frame);
    }, (o) => {
      if (o.ok) return delivery.reply(JSON.stringify({ type: 'ack', id, result: o.result }));
      const e = o.error;
      answer(id, e instanceof ZodError ? new ApiError(400, 'invalid_frame', describeZodError(e, 'frame')) : toApiError(e));
    });
  });
}
