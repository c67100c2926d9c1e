// The engineer console: the queue of open tasks, claiming one, and the live task view. The live view talks
// to the engineer task WebSocket from the browser (the core accepts the session cookie there); its forms
// also post here, so the console still works when the socket is down.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { EngineerAction, pages, routes, summaryFigures } from '../../protocol/backend/index.js';
import type { WebSession } from '../auth/sessions.js';
import { ApiError } from '../errors.js';
import { attachment } from '../http/reply.js';
import type { Router } from '../http/router.js';
import type { Services } from '../services.js';
import { html, when, type Html } from './html.js';
import { ASSETS, buttonForm, csrfField, layout } from './layout.js';
import { redirect, sendPage, signedIn } from './respond.js';
import { transcriptSection } from './transcript.js';

type Task = ReturnType<Services['tasks']['view']>;
type Project = ReturnType<Services['projects']['get']>;
/** The label of each field the engineer fills in: shown on the form, and naming the field in errors. */
const LABELS: Record<string, string> = { text: 'Message', command: 'Command', reason: 'Why', cwd: 'Folder (optional)', path: 'Path', url: 'Link',
  diff: 'Unified diff (or leave it empty and give the new content)', content: 'New content of the whole file' };
const BASE = pages.console.path();
const taskPath = (id: string) => `${BASE}/tasks/${encodeURIComponent(id)}`;

function queuePage(session: WebSession, tasks: Task[]) {
  const open = tasks.filter((t) => t.status === 'open');
  const mine = tasks.filter((t) => t.status === 'active');
  const row = (t: Task, action: Html) => html`<tr data-task-id="${t.taskId}">
    <td>${t.issue.length > 160 ? t.issue.slice(0, 160) + '…' : t.issue}${t.handedOffAt
      ? html` <span class="badge ai" data-mode="${t.mode}">after AI (${t.aiTool ?? 'AI'})</span> <a href="${taskPath(t.taskId)}/preview">AI transcript</a>` : ''}</td><td>${t.customer.name}</td>
    <td>${when(t.createdAt)}</td><td>${t.creditsPerMinute}/min</td><td>${action}</td></tr>`;
  const table = (list: Task[], action: (t: Task) => Html, empty: string) => list.length
    ? html`<table><thead><tr><th>Issue</th><th>Customer</th><th>Created</th><th>Rate</th><th></th></tr></thead>
      <tbody>${list.map((t) => row(t, action(t)))}</tbody></table>`
    : html`<p class="muted">${empty}</p>`;
  return layout({ title: 'Engineer console', session, wide: true, scripts: [ASSETS.console], body: html`
    <div class="card" id="mine"><h2>Your active sessions</h2>
      ${table(mine, (t) => html`<a href="${taskPath(t.taskId)}">Open</a>`, 'None right now.')}</div>
    <div class="card" id="queue" data-poll="${routes.engineer.openTasks.path()}"><h2>Open tasks</h2>
      <p id="queue-changed" class="ok" role="status" hidden>The queue changed. <a href="${BASE}">Refresh</a></p>
      ${table(open, (t) => buttonForm(session, `${taskPath(t.taskId)}/claim`, 'Claim'), 'No customer is waiting. ')}
      <p><a href="${BASE}">Refresh</a></p></div>` });
}

/** One action form: posts to the fallback route; the script sends it over the socket when that is open. */
function actionForm(session: WebSession, t: Task, type: string, title: string, fields: Html, button: string, cls = '', confirm = '') {
  return html`<form method="post" action="${taskPath(t.taskId)}/act" data-type="${type}" class="card act" id="form-${type}" ${confirm ? html`data-confirm="${confirm}"` : ''}>
    <h2>${title}</h2>${csrfField(session)}<input type="hidden" name="type" value="${type}">
    <input type="hidden" name="_key" value="${randomBytes(12).toString('base64url')}">
    ${fields}<p><button type="submit" class="${cls}" ${t.status === 'ended' ? html`disabled` : ''}>${button}</button></p></form>`;
}

function previewPage(session: WebSession, t: Task, transcript: Html | string) {
  return layout({ title: 'Task preview', session, wide: true, body: html`
    <div class="card"><p><strong>${t.customer.name}</strong>: ${t.issue}</p><p class="muted">Task <code>${t.taskId}</code> · ${t.status}</p>
      ${t.status === 'open' ? buttonForm(session, `${taskPath(t.taskId)}/claim`, 'Claim') : html`<a href="${taskPath(t.taskId)}">Open</a>`}</div>
    ${transcript}` });
}

/** What the engineer works on: the project, its snapshot, the synced branch and commit, how to test and build. */
function projectCard(t: Task, p: Project | null) {
  if (!p) return html`<div class="card" id="project"><h2>Project</h2><p class="muted">The customer did not link a project to this task.</p></div>`;
  const cmd = (c: string | null) => (c ? html`<code>${c}</code>` : html`<span class="muted">not set</span>`);
  return html`<div class="card" id="project"><h2>Project</h2><dl class="facts">
    <dt>Name</dt><dd id="project-name">${p.name} <span class="muted">(${p.type})</span></dd>
    <dt>Branch</dt><dd id="project-branch">${p.lastSync ? html`<code>${p.lastSync.branch}</code>` : html`<span class="muted">not synced yet</span>`}</dd>
    <dt>Commit</dt><dd id="project-commit">${p.lastSync ? html`<code>${p.lastSync.headCommit}</code>` : html`<span class="muted">-</span>`}</dd>
    <dt>Test</dt><dd id="project-test">${cmd(p.testCommand)}</dd>
    <dt>Build</dt><dd id="project-build">${cmd(p.buildCommand)}</dd>
    <dt>Snapshot</dt><dd>${t.snapshotId ? html`<a id="snapshot" href="${taskPath(t.taskId)}/snapshot" download>Download the code (zip)</a>`
      : html`<span class="muted">none uploaded</span>`}</dd></dl></div>`;
}

/** The end of the session, with the summary figures defined once in protocol/ (the terminal shows the same). */
function endedBanner(s: ReturnType<Services['tasks']['summary']>) {
  const f = summaryFigures(s);
  return html`<p id="ended" class="warn" role="status">This session has ended (${s.reason.replace(/_/g, ' ')}).
    Time: <span id="ended-time">${f.time}</span>. Billed: <span id="ended-billed">${f.billed}</span>.</p>`;
}

function taskPage(session: WebSession, t: Task, balance: number, project: Project | null, summary: ReturnType<Services['tasks']['summary']> | null) {
  const field = (form: string, name: string, type = 'text', required = true) => html`
    <label for="${form}-${name}">${LABELS[name]}</label><input id="${form}-${name}" name="${name}" type="${type}" ${required ? html`required` : ''}>`;
  const ended = t.status === 'ended';
  return layout({ title: 'Live session', session, wide: true, scripts: [ASSETS.console], body: html`
    ${summary ? endedBanner(summary) : ''}
    <div id="console" class="console" data-task-id="${t.taskId}" data-ended="${ended ? '1' : ''}" data-ai-tool="${t.aiTool ?? ''}" data-ws="${routes.engineer.events.path(t.taskId)}">
      <section>
        <div class="card"><p><strong>${t.customer.name}</strong>: ${t.issue}</p>
          <p class="muted">Task <code>${t.taskId}</code> · <span id="conn" class="conn">${ended ? 'session ended' : 'connecting…'}</span></p></div>
        <div class="card"><ol id="timeline" aria-live="polite"></ol>
          <noscript><p class="warn">Turn on JavaScript to see the session live; the forms work without it.</p></noscript></div>
        ${actionForm(session, t, 'engineer_message', 'Message', html`<textarea name="text" required aria-label="${LABELS.text}"></textarea>`, 'Send')}
        <p id="send-error" class="error" role="alert" hidden></p>
      </section>
      <aside>
        <div class="card" id="billing"><h2>Billing</h2><dl class="facts">
          <dt>Rate</dt><dd>${t.creditsPerMinute} credits/min</dd>
          <dt>Minutes</dt><dd id="bill-minutes">0</dd>
          <dt>Credits used</dt><dd id="bill-used">${t.creditsUsed}</dd>
          <dt>Customer balance</dt><dd id="bill-balance">${balance}</dd></dl>
          <p id="bill-warn" class="warn" hidden>The customer's credits are nearly used up.</p></div>
        ${actionForm(session, t, 'request_command', 'Request a command',
          html`${field('cmd', 'command')}${field('cmd', 'reason')}${field('cmd', 'cwd', 'text', false)}`, 'Ask to run')}
        ${actionForm(session, t, 'request_file', 'Request a file', html`${field('file', 'path')}${field('file', 'reason')}`, 'Ask for file')}
        ${actionForm(session, t, 'request_write', 'Propose a change', html`${field('write', 'path')}${field('write', 'reason')}
          <label for="write-diff">${LABELS.diff}</label><textarea id="write-diff" name="diff" class="code"></textarea>
          <label for="write-content">${LABELS.content}</label><textarea id="write-content" name="content" class="code"></textarea>
          <p class="muted">The customer sees the change as a diff and must allow it; it is written only if the file has not changed since.</p>`, 'Propose')}
        ${actionForm(session, t, 'screenshare_request', 'Screenshare', field('share', 'url', 'url'), 'Send link')}
        ${actionForm(session, t, 'end_session', 'Finish', html``, 'End session', 'danger',
          'End this session for the customer too? Billing stops and it cannot be resumed.')}
        ${projectCard(t, project)}
      </aside>
    </div>` });
}

/** Builds the action from the posted fields with the protocol's schema, so both paths validate alike. */
function actionFrom(form: URLSearchParams) {
  const payload: Record<string, string> = {};
  for (const name of ['text', 'command', 'reason', 'cwd', 'path', 'url', 'diff', 'content']) {
    const v = form.get(name);
    if (v !== null && v.trim() !== '') payload[name] = v;
  }
  const parsed = EngineerAction.safeParse({ type: form.get('type'), payload });
  if (!parsed.success) {
    throw new ApiError(400, 'invalid_form', parsed.error.issues.slice(0, 3)
      .map((i) => `${LABELS[String(i.path[1])] ?? 'The form'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

export function registerConsole(router: Router, s: Services): void {
  router.raw('GET', pages.console.pattern, signedIn(s, 'engineer', ({ req, res, session }) => {
    sendPage(req, res, queuePage(session, s.tasks.listForEngineer(session.user.id).tasks));
  }));

  // Readable before claiming (an open task in the queue), like the engineer task route.
  router.raw('GET', `${BASE}/tasks/:taskId/preview`, signedIn(s, 'engineer', ({ req, res, params, session }) => {
    const t = s.tasks.view(s.tasks.forEngineer(session.user.id, params.taskId, false));
    sendPage(req, res, previewPage(session, t, transcriptSection(s.log.after(params.taskId, 0, 1000))));
  }));

  router.raw('POST', `${BASE}/tasks/:taskId/claim`, signedIn(s, 'engineer', ({ res, params, session }) => {
    s.tasks.claim(session.user.id, params.taskId);
    redirect(res, taskPath(params.taskId));
  }));

  router.raw('GET', `${BASE}/tasks/:taskId`, signedIn(s, 'engineer', ({ req, res, params, session }) => {
    const row = s.tasks.forEngineer(session.user.id, params.taskId);
    const t = s.tasks.view(row);
    const project = row.project_id ? s.projects.get(row.customer_id, row.project_id) : null;
    sendPage(req, res, taskPage(session, t, s.accounts.balance(t.customer.id), project, row.status === 'ended' ? s.tasks.summary(row) : null));
  }));

  router.raw('GET', `${BASE}/tasks/:taskId/snapshot`, signedIn(s, 'engineer', ({ res, params, session }) => {
    const row = s.tasks.forEngineer(session.user.id, params.taskId);
    if (!row.project_id || !row.snapshot_id) throw new ApiError(404, 'not_found', 'This task has no snapshot.');
    const f = s.snapshots.file(row.project_id, row.snapshot_id);
    const name = `${s.projects.get(row.customer_id, row.project_id).name}-${f.sha256.slice(0, 12)}.zip`;
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': f.size, 'content-disposition': attachment(name),
      'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    createReadStream(f.path).on('error', () => res.destroy()).pipe(res);
  }));

  router.raw('POST', `${BASE}/tasks/:taskId/act`, signedIn(s, 'engineer', ({ res, params, session, form }) => {
    const taskId = params.taskId;
    const action = actionFrom(form);
    const key = form.get('_key') || randomBytes(12).toString('base64url');
    // Same fingerprint as the socket and the REST route, so a resubmitted form is stored once.
    s.idem.run(session.user.id, key, [routes.engineer.act.pattern, { taskId }, action],
      () => s.actions.engineer(session.user, taskId, action));
    redirect(res, taskPath(taskId));
  }));
}
