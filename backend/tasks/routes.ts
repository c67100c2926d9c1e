import type { z } from 'zod';
import { routes, EventsQuery, SocketClose, type CustomerAction } from '../../protocol/backend/index.js';
import type { Principal } from '../auth/principal.js';
import { unauthorized } from '../auth/tokens.js';
import { ApiError } from '../errors.js';
import type { Api, Ctx } from '../http/api.js';
import { attachment, describeZodError } from '../http/reply.js';
import type { Services } from '../services.js';
import { MAX_FILE_BYTES } from './files.js';

type CustomerActionType = z.output<typeof CustomerAction>['type'];
const UPLOAD_BODY_LIMIT = Math.ceil(MAX_FILE_BYTES * 4 / 3) + 64 * 1024;

/** Long poll: answers at once when events are there, else waits up to `wait` seconds for the next one.
 *  A revocation of the caller's login ends the wait with 401 at once. */
async function poll(s: Services, p: Principal, taskId: string, url: URL) {
  const q = EventsQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!q.success) throw new ApiError(400, 'invalid_query', describeZodError(q.error, 'query'));
  let events = s.log.after(taskId, q.data.after);
  if (!events.length && q.data.wait > 0 && s.tasks.row(taskId).status !== 'ended') {
    // Revoked: 401. Expired: the poll answers what it has now, as at the end of its wait; the next poll
    // comes with a refreshed token.
    const ended = new AbortController();
    let revoked = false;
    const off = s.sockets.hold(p, taskId, (code) => { revoked = code !== SocketClose.tokenExpired.code; ended.abort(); });
    try { await s.log.waitForNext(taskId, q.data.wait * 1000, ended.signal); } finally { off(); }
    if (revoked) throw unauthorized('token_revoked', 'The login was revoked while waiting. Run `codevf login` again.');
    events = s.log.after(taskId, q.data.after);
  }
  return { events, lastSeq: events.at(-1)?.seq ?? q.data.after, ended: s.tasks.row(taskId).status === 'ended' };
}

export function registerTaskRoutes(api: Api, s: Services): void {
  const r = routes.tasks;
  api.register(r.create, ({ principal, body }) => s.tasks.create(principal.user, body));
  api.register(r.list, ({ principal }) => s.tasks.listForCustomer(principal.user.id));
  api.register(r.get, ({ principal, params }) => s.tasks.view(s.tasks.forCustomer(principal.user.id, params.taskId)));
  api.register(r.events, ({ principal, params, url }) => {
    s.tasks.forCustomer(principal.user.id, params.taskId);
    return poll(s, principal, params.taskId, url);
  });
  // Each customer route is one action type; the WebSocket frames reach the same `actions.customer`.
  const act = (type: CustomerActionType) => ({ principal, params, body }: Ctx) =>
    s.actions.customer(principal.user, params.taskId, { type, payload: body } as z.output<typeof CustomerAction>);
  api.register(r.sendMessage, act('customer_message'));
  api.register(r.approveCommand, act('command_decision'));
  api.register(r.commandOutput, act('command_output'));
  api.register(r.commandResult, act('command_result'));
  api.register(r.approveFile, act('file_decision'));
  api.register(r.approveWrite, act('write_decision'));
  api.register(r.uploadFile, act('file_upload'), { maxBody: UPLOAD_BODY_LIMIT });
  api.register(r.endSession, ({ principal, params }) => {
    s.tasks.forCustomer(principal.user.id, params.taskId);
    return s.tasks.end(params.taskId, 'customer_ended');
  });
  api.register(r.handoff, ({ principal, params, body }) => s.ai.handoff(principal.user, params.taskId, body), { maxBody: 2 * 1024 * 1024 });
  api.register(r.rate, ({ principal, params, body }) => s.tasks.rate(principal.user.id, params.taskId, body.rating, body.comment));

  const e = routes.engineer;
  api.register(e.openTasks, ({ principal }) => s.tasks.listForEngineer(principal.user.id));
  api.register(e.claim, ({ principal, params }) => s.tasks.claim(principal.user.id, params.taskId));
  api.register(e.get, ({ principal, params }) => s.tasks.view(s.tasks.forEngineer(principal.user.id, params.taskId, false)));
  api.register(e.events, ({ principal, params, url }) => {
    s.tasks.forEngineer(principal.user.id, params.taskId);
    return poll(s, principal, params.taskId, url);
  });
  api.register(e.act, ({ principal, params, body }) => s.actions.engineer(principal.user, params.taskId, body));
  api.register(e.file, ({ principal, params, res }) => {
    s.tasks.forEngineer(principal.user.id, params.taskId);
    const f = s.files.read(params.taskId, params.fileId);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': f.content.length,
      'content-disposition': attachment(f.path), 'x-content-type-options': 'nosniff',
      'x-file-path': encodeURIComponent(f.path), 'cache-control': 'no-store' });
    res.end(f.content);
  });
}
