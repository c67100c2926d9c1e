// The console's browser script, served as /web/console.js (CSP allows only same-origin scripts). It opens the
// engineer task WebSocket with the session cookie, resumes after the last seq it saw, renders every event
// with textContent only (never innerHTML), and sends the forms as frames; with the socket down the forms
// post to the server instead. Type-checked with the DOM types (tsconfig.json here) and bundled by
// scripts/build.mjs into the sandbox.
import type { EventType, TaskEvent } from '../../../protocol/backend/index.js';

type Payload<T extends EventType> = Extract<TaskEvent, { type: T }>['payload'];
type Frame = { type: 'ack'; id: string } | { type: 'error'; id: string; error?: { code: string; message: string } } | TaskEvent;

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T | null;

// Queue page: poll the open tasks with the session cookie and offer a refresh when they change.
function watchQueue(queue: HTMLElement): void {
  const shown = [...document.querySelectorAll('tr[data-task-id]')].map((tr) => tr.getAttribute('data-task-id')).sort().join(',');
  const timer = setInterval(() => {
    fetch(queue.getAttribute('data-poll')!, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() as Promise<{ tasks: { taskId: string }[] }> : null))
      .then((b) => {
        if (!b) return;
        const now = b.tasks.map((t) => t.taskId).sort().join(',');
        if (now !== shown) { byId('queue-changed')!.hidden = false; clearInterval(timer); }
      }, () => { /* offline for a moment: try again next tick */ });
  }, 5000);
}

interface Request { li: HTMLElement; badge: HTMLElement; pre: HTMLElement | null }

function liveTask(root: HTMLElement): void {
  const timeline = byId('timeline')!;
  const conn = byId('conn')!;
  const sendError = byId('send-error')!;
  let last = 0, ws: WebSocket | null = null, ended = false, failures = 0, frameNo = 0;
  const requests: Record<string, Request> = {};
  const waiting: Record<string, HTMLFormElement> = {};

  function el(tag: string, cls?: string, text?: unknown): HTMLElement {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function item(ev: TaskEvent, cls: string, who: string): HTMLElement {
    const li = el('li', cls);
    li.setAttribute('data-type', ev.type);
    li.setAttribute('data-seq', String(ev.seq));
    li.appendChild(el('div', 'meta', who + ' · ' + new Date(ev.timestamp).toLocaleTimeString()));
    timeline.appendChild(li);
    return li;
  }
  function line(li: HTMLElement, text: string, cls?: string): HTMLElement { const d = el('div', cls, text); li.appendChild(d); return d; }
  function setConn(text: string, cls: string): void { conn.textContent = text; conn.className = 'conn ' + cls; }
  function badge(status: string): HTMLElement { const b = el('span', 'badge ' + status, status); b.setAttribute('data-status', status); return b; }
  function mark(b: HTMLElement, status: string, cls = 'badge ' + status): void { b.textContent = status; b.className = cls; b.setAttribute('data-status', status); }

  function request(ev: TaskEvent, p: { requestId: string; reason?: string }, what: string, detail: string): HTMLElement {
    const li = item(ev, 'me', 'You');
    li.setAttribute('data-request-id', p.requestId);
    const head = line(li, what + ' ');
    head.appendChild(el('code', '', detail));
    head.appendChild(document.createTextNode(' '));
    const b = badge('pending');
    head.appendChild(b);
    if (p.reason) line(li, 'Reason: ' + p.reason, 'muted');
    requests[p.requestId] = { li, badge: b, pre: null };
    return li;
  }
  function decide(p: { requestId: string; decision: string; reason?: string; decidedBy?: string }, what: string): string {
    const r = requests[p.requestId];
    const status = p.decision === 'allow' ? 'allowed' : 'denied';
    if (r) mark(r.badge, status);
    // Only the customer's own answer reads as theirs: a refusal by their agent or a timeout says so.
    const by = p.decidedBy || 'customer';
    const who = by === 'customer' ? 'Customer ' + status + ' the ' + what
      : by === 'agent' ? 'The customer\'s agent refused the ' + what
        : (status === 'allowed' ? 'Allowed' : 'Denied') + ' automatically (' + by + '): the ' + what;
    return who + (p.reason ? ': ' + p.reason : '');
  }
  function output(p: Payload<'command_output'>): void {
    const r = requests[p.requestId];
    if (!r) return;
    if (!r.pre) { r.pre = el('pre', 'output'); r.li.appendChild(r.pre); }
    r.pre.appendChild(el('span', p.stream, p.data));
    r.pre.scrollTop = r.pre.scrollHeight;
  }
  function bill(p: Payload<'billing_update'>): void {
    byId('bill-minutes')!.textContent = String(p.minutes);
    byId('bill-used')!.textContent = String(p.creditsUsed);
    byId('bill-balance')!.textContent = String(p.balance);
    byId('bill-warn')!.hidden = !p.lowBalance;
  }
  function safeLink(url: string, text?: string): HTMLElement {
    const ok = /^https?:\/\//i.test(url);
    const a = el(ok ? 'a' : 'span', '', text || url);
    if (ok && a instanceof HTMLAnchorElement) { a.href = url; a.target = '_blank'; a.rel = 'noopener noreferrer'; }
    return a;
  }

  // One renderer per event type; a new event type fails to compile here until it is shown.
  const render: { [T in EventType]: (ev: Extract<TaskEvent, { type: T }>, p: Payload<T>) => void } = {
    engineer_connected: (ev, p) => { line(item(ev, 'system', 'system'), p.engineer.name + ' connected; billing runs while connected'); },
    engineer_disconnected: (ev, p) => { line(item(ev, 'system', 'system'), p.engineer.name + ' disconnected'); },
    engineer_message: (ev, p) => { line(item(ev, 'me', 'You'), p.text, 'text'); },
    customer_message: (ev, p) => { line(item(ev, 'customer', 'Customer'), p.text, 'text'); },
    request_command: (ev, p) => { const li = request(ev, p, 'Run', p.command); if (p.cwd) line(li, 'in ' + p.cwd, 'muted'); },
    request_file: (ev, p) => { request(ev, p, 'Share file', p.path); },
    request_write: (ev, p) => { request(ev, p, 'Change', p.path).appendChild(el('pre', 'output diff', p.diff !== undefined ? p.diff : p.content)); },
    write_decision: (ev, p) => { line(item(ev, 'customer', 'Customer'), decide(p, 'change') + (p.decision === 'allow' ? ' (written)' : '')); },
    screenshare_request: (ev, p) => { const d = line(item(ev, 'me', 'You'), 'Screenshare link: '); d.appendChild(safeLink(p.url)); },
    command_decision: (ev, p) => { line(item(ev, 'customer', 'Customer'), decide(p, 'command')); },
    file_decision: (ev, p) => { line(item(ev, 'customer', 'Customer'), decide(p, 'file request')); },
    command_output: (_ev, p) => { output(p); },
    command_result: (ev, p) => {
      const r = requests[p.requestId];
      const reason = (p as { reason?: string }).reason;
      // A command whose end the agent could not witness says so (its reason), never a made-up signal.
      const text = (reason ? reason.charAt(0).toUpperCase() + reason.slice(1)
        : 'Exited ' + (p.exitCode === null ? 'by signal ' + p.signal : 'with code ' + p.exitCode))
        + (p.durationMs !== undefined ? ' after ' + p.durationMs + ' ms' : '') + (p.truncated ? ' (output truncated)' : '');
      const d = r ? line(r.li, text, p.exitCode === 0 ? 'ok result' : 'error result') : line(item(ev, 'system', 'system'), text);
      d.setAttribute('data-exit-code', String(p.exitCode));
      if (r) mark(r.badge, 'done', 'badge');
    },
    file_upload: (ev, p) => {
      const d = line(item(ev, 'customer', 'Customer'), 'Shared file ');
      const a = el('a', 'file', p.path) as HTMLAnchorElement;
      a.href = p.downloadPath;
      a.setAttribute('download', p.path.split('/').pop() || 'file');
      d.appendChild(a);
      d.appendChild(document.createTextNode(' (' + p.size + ' bytes, sha256 ' + p.sha256.slice(0, 12) + '…)'));
      const r = p.requestId ? requests[p.requestId] : undefined;
      if (r) mark(r.badge, 'received', 'badge allowed');
    },
    billing_update: (ev, p) => { bill(p); line(item(ev, 'system', 'billing'), 'Minute ' + p.minutes + ' billed; customer balance ' + p.balance + ' credits' + (p.lowBalance ? ' (low)' : '')); },
    // The AI session before the hand-off: who spoke is always named (the AI and which, or the customer).
    ai_transcript: (ev, p) => {
      const ai = 'AI (' + (root.getAttribute('data-ai-tool') || 'agent') + ')';
      let li: HTMLElement | undefined;
      if (p.type === 'message') { li = item(ev, p.from === 'ai' ? 'ai' : 'customer', p.from === 'ai' ? ai : 'Customer'); line(li, p.text, 'text'); }
      else if (p.type === 'request') { li = item(ev, 'ai', ai + ' asked'); const d = line(li, p.kind + ' '); d.appendChild(el('code', '', p.subject)); if (p.reason) line(li, 'Reason: ' + p.reason, 'muted'); }
      else if (p.type === 'decision') { li = item(ev, 'customer', 'Customer'); line(li, (p.decision === 'allow' ? 'allowed' : 'denied') + ' (' + p.decidedBy + ')'); }
      else if (p.type === 'output') { li = item(ev, 'system', 'output' + (p.exitCode === undefined || p.exitCode === null ? '' : ' (exit ' + p.exitCode + ')')); li.appendChild(el('pre', 'output', p.text)); }
      if (li) li.setAttribute('data-entry', p.type);
    },
    handoff: (ev, p) => {
      line(item(ev, 'system', 'hand-off'), 'Handed off from ' + (p.aiTool || 'the AI') + ' to a human: ' + p.reason.replace(/_/g, ' ')
        + (p.detail ? ' (' + p.detail + ')' : '') + '; ' + p.entries + ' transcript entries above');
    },
    session_end: (ev, p) => {
      ended = true;
      line(item(ev, 'system', 'system'), 'Session ended (' + p.reason.replace(/_/g, ' ') + ')');
      // The page rendered while live reloads to show the summary as the server words it (protocol/, like the terminal).
      if (!root.getAttribute('data-ended')) { root.setAttribute('data-ended', '1'); location.reload(); }
      for (const f of document.querySelectorAll('form[data-type]')) f.querySelector('button')!.disabled = true;
      setConn('session ended', 'down');
    },
  };

  function onEvent(ev: TaskEvent): void {
    if (typeof ev.seq !== 'number' || ev.seq <= last) return;
    last = ev.seq;
    const fn = render[ev.type] as ((e: TaskEvent, p: unknown) => void) | undefined;
    if (fn) fn(ev, ev.payload || {});
    timeline.scrollTop = timeline.scrollHeight;
  }
  function onFrame(f: Frame): void {
    if (f.type === 'ack' || f.type === 'error') {
      const form = waiting[f.id];
      delete waiting[f.id];
      if (form) form.querySelector('button')!.disabled = ended;
      if (f.type === 'ack' && form && form.getAttribute('data-type') !== 'end_session') form.reset();
      sendError.hidden = f.type !== 'error';
      if (f.type === 'error') sendError.textContent = fieldNamed(form, f.error?.message ?? 'refused');
      return;
    }
    onEvent(f);
  }

  function connect(): void {
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + root.getAttribute('data-ws') + '?after=' + last;
    const sock = new WebSocket(url);
    ws = sock;
    sock.onopen = () => { failures = 0; setConn('live', 'live'); };
    sock.onmessage = (m) => { try { onFrame(JSON.parse(String(m.data))); } catch { /* ignore a malformed frame */ } };
    sock.onclose = () => {
      ws = null;
      if (ended) return;
      failures++;
      setConn(failures > 5 ? 'disconnected: reload the page or sign in again' : 'reconnecting…', 'down');
      setTimeout(connect, Math.min(10000, 300 * Math.pow(2, failures)));
    };
  }

  // 'frame.payload.url: ...' becomes 'Link: ...': the label of the field the engineer filled in.
  function fieldNamed(form: HTMLFormElement | undefined, message: string): string {
    return message.replace(/\bframe\.payload\.(\w+)/g, (_all, name: string) => {
      const input = form?.querySelector(`[name="${name}"]`);
      const label = input?.id ? document.querySelector(`label[for="${input.id}"]`) : null;
      return label?.textContent ?? input?.getAttribute('aria-label') ?? name;
    });
  }
  function payload(form: HTMLFormElement): Record<string, string> {
    const p: Record<string, string> = {};
    for (const f of form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input[name]:not([type=hidden]), textarea[name]')) {
      if (f.value.trim() !== '') p[f.name] = f.value;
    }
    return p;
  }
  document.addEventListener('submit', (e) => {
    const form = e.target as HTMLFormElement;
    const ask = form.getAttribute('data-confirm');
    if (ask && !confirm(ask)) { e.preventDefault(); return; }
    const type = form.getAttribute('data-type');
    if (!type || !ws || ws.readyState !== WebSocket.OPEN) return;
    e.preventDefault();
    const id = 'web-' + Date.now().toString(36) + '-' + (++frameNo) + '-' + Math.random().toString(36).slice(2);
    waiting[id] = form;
    form.querySelector('button')!.disabled = true;
    ws.send(JSON.stringify({ id, type, payload: payload(form) }));
  }, true);

  connect();
}

const queue = byId('queue');
if (queue) watchQueue(queue);
const root = byId('console');
if (root) liveTask(root);
