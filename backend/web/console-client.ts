// The console's browser script, served as /web/console.js (CSP allows only same-origin scripts). It opens the
// engineer task WebSocket with the session cookie, resumes after the last seq it saw, renders every event
// with textContent only (never innerHTML), and sends the forms as frames; with the socket down the forms
// post to the server instead. Plain ES5-ish JS: no build step, no template literals.
export const CONSOLE_JS = String.raw`'use strict';
(function () {
  // Queue page: poll the open tasks with the session cookie and offer a refresh when they change.
  var queue = document.getElementById('queue');
  if (!queue) return;
  var shown = [].map.call(document.querySelectorAll('tr[data-task-id]'), function (tr) { return tr.getAttribute('data-task-id'); }).sort().join(',');
  var timer = setInterval(function () {
    fetch(queue.getAttribute('data-poll'), { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.json() : null; }).then(function (b) {
      if (!b) return;
      var now = b.tasks.map(function (t) { return t.taskId; }).sort().join(',');
      if (now !== shown) { document.getElementById('queue-changed').hidden = false; clearInterval(timer); }
    }, function () { /* offline for a moment: try again next tick */ });
  }, 5000);
})();
(function () {
  var root = document.getElementById('console');
  if (!root) return;
  var timeline = document.getElementById('timeline');
  var conn = document.getElementById('conn');
  var sendError = document.getElementById('send-error');
  var last = 0, ws = null, ended = false, failures = 0, frameNo = 0;
  var requests = {}, waiting = {};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function item(ev, cls, who) {
    var li = el('li', cls);
    li.setAttribute('data-type', ev.type);
    li.setAttribute('data-seq', String(ev.seq));
    li.appendChild(el('div', 'meta', who + ' · ' + new Date(ev.timestamp).toLocaleTimeString()));
    timeline.appendChild(li);
    return li;
  }
  function line(li, text, cls) { var d = el('div', cls, text); li.appendChild(d); return d; }
  function setConn(text, cls) { conn.textContent = text; conn.className = 'conn ' + cls; }
  function badge(status) { var b = el('span', 'badge ' + status, status); b.setAttribute('data-status', status); return b; }

  function request(ev, p, what, detail) {
    var li = item(ev, 'me', 'You');
    li.setAttribute('data-request-id', p.requestId);
    var head = line(li, what + ' ');
    head.appendChild(el('code', '', detail));
    head.appendChild(document.createTextNode(' '));
    var b = badge('pending');
    head.appendChild(b);
    if (p.reason) line(li, 'Reason: ' + p.reason, 'muted');
    requests[p.requestId] = { li: li, badge: b, pre: null };
    return li;
  }
  function decide(p, what) {
    var r = requests[p.requestId];
    var status = p.decision === 'allow' ? 'allowed' : 'denied';
    if (r) { r.badge.textContent = status; r.badge.className = 'badge ' + status; r.badge.setAttribute('data-status', status); }
    // Only the customer's own answer reads as theirs: a refusal by their agent or a timeout says so.
    var by = p.decidedBy || 'customer';
    var who = by === 'customer' ? 'Customer ' + status + ' the ' + what
      : by === 'agent' ? 'The customer\'s agent refused the ' + what
      : (status === 'allowed' ? 'Allowed' : 'Denied') + ' automatically (' + by + '): the ' + what;
    return who + (p.reason ? ': ' + p.reason : '');
  }
  function output(p) {
    var r = requests[p.requestId];
    if (!r) return;
    if (!r.pre) { r.pre = el('pre', 'output'); r.li.appendChild(r.pre); }
    r.pre.appendChild(el('span', p.stream, p.data));
    r.pre.scrollTop = r.pre.scrollHeight;
  }
  function bill(p) {
    document.getElementById('bill-minutes').textContent = String(p.minutes);
    document.getElementById('bill-used').textContent = String(p.creditsUsed);
    document.getElementById('bill-balance').textContent = String(p.balance);
    document.getElementById('bill-warn').hidden = !p.lowBalance;
  }
  function safeLink(url, text) {
    var ok = /^https?:\/\//i.test(url);
    var a = el(ok ? 'a' : 'span', '', text || url);
    if (ok) { a.href = url; a.target = '_blank'; a.rel = 'noopener noreferrer'; }
    return a;
  }

  var render = {
    engineer_connected: function (ev, p) { line(item(ev, 'system', 'system'), p.engineer.name + ' connected; billing runs while connected'); },
    engineer_disconnected: function (ev, p) { line(item(ev, 'system', 'system'), p.engineer.name + ' disconnected'); },
    engineer_message: function (ev, p) { line(item(ev, 'me', 'You'), p.text, 'text'); },
    customer_message: function (ev, p) { line(item(ev, 'customer', 'Customer'), p.text, 'text'); },
    request_command: function (ev, p) { var li = request(ev, p, 'Run', p.command); if (p.cwd) line(li, 'in ' + p.cwd, 'muted'); },
    request_file: function (ev, p) { request(ev, p, 'Share file', p.path); },
    screenshare_request: function (ev, p) { var d = line(item(ev, 'me', 'You'), 'Screenshare link: '); d.appendChild(safeLink(p.url)); },
    command_decision: function (ev, p) { line(item(ev, 'customer', 'Customer'), decide(p, 'command')); },
    file_decision: function (ev, p) { line(item(ev, 'customer', 'Customer'), decide(p, 'file request')); },
    command_output: function (ev, p) { output(p); },
    command_result: function (ev, p) {
      var r = requests[p.requestId];
      // A command whose end the agent could not witness says so (its reason), never a made-up signal.
      var text = (p.reason ? p.reason.charAt(0).toUpperCase() + p.reason.slice(1)
        : 'Exited ' + (p.exitCode === null ? 'by signal ' + p.signal : 'with code ' + p.exitCode))
        + (p.durationMs !== undefined ? ' after ' + p.durationMs + ' ms' : '') + (p.truncated ? ' (output truncated)' : '');
      var d = r ? line(r.li, text, p.exitCode === 0 ? 'ok result' : 'error result') : line(item(ev, 'system', 'system'), text);
      d.setAttribute('data-exit-code', String(p.exitCode));
      if (r) { r.badge.textContent = 'done'; r.badge.className = 'badge'; r.badge.setAttribute('data-status', 'done'); }
    },
    file_upload: function (ev, p) {
      var d = line(item(ev, 'customer', 'Customer'), 'Shared file ');
      var a = el('a', 'file', p.path);
      a.href = p.downloadPath;
      a.setAttribute('download', p.path.split('/').pop() || 'file');
      d.appendChild(a);
      d.appendChild(document.createTextNode(' (' + p.size + ' bytes, sha256 ' + p.sha256.slice(0, 12) + '…)'));
      var r = p.requestId && requests[p.requestId];
      if (r) { r.badge.textContent = 'received'; r.badge.className = 'badge allowed'; r.badge.setAttribute('data-status', 'received'); }
    },
    billing_update: function (ev, p) { bill(p); line(item(ev, 'system', 'billing'), 'Minute ' + p.minutes + ' billed; customer balance ' + p.balance + ' credits' + (p.lowBalance ? ' (low)' : '')); },
    // The AI session before the hand-off: who spoke is always named (the AI and which, or the customer).
    ai_transcript: function (ev, p) {
      var ai = 'AI (' + (root.getAttribute('data-ai-tool') || 'agent') + ')';
      var li;
      if (p.type === 'message') { li = item(ev, p.from === 'ai' ? 'ai' : 'customer', p.from === 'ai' ? ai : 'Customer'); line(li, p.text, 'text'); }
      else if (p.type === 'request') { li = item(ev, 'ai', ai + ' asked'); var d = line(li, p.kind + ' '); d.appendChild(el('code', '', p.subject)); if (p.reason) line(li, 'Reason: ' + p.reason, 'muted'); }
      else if (p.type === 'decision') { li = item(ev, 'customer', 'Customer'); line(li, (p.decision === 'allow' ? 'allowed' : 'denied') + ' (' + p.decidedBy + ')'); }
      else if (p.type === 'output') { li = item(ev, 'system', 'output' + (p.exitCode === undefined || p.exitCode === null ? '' : ' (exit ' + p.exitCode + ')')); li.appendChild(el('pre', 'output', p.text)); }
      if (li) li.setAttribute('data-entry', p.type);
    },
    handoff: function (ev, p) {
      line(item(ev, 'system', 'hand-off'), 'Handed off from ' + (p.aiTool || 'the AI') + ' to a human: ' + p.reason.replace(/_/g, ' ') + (p.detail ? ' (' + p.detail + ')' : '') + '; ' + p.entries + ' transcript entries above');
    },
    session_end: function (ev, p) {
      ended = true;
      line(item(ev, 'system', 'system'), 'Session ended (' + p.reason.replace(/_/g, ' ') + ')');
      // The page rendered while live reloads to show the summary as the server words it (protocol/, like the terminal).
      if (!root.getAttribute('data-ended')) { root.setAttribute('data-ended', '1'); location.reload(); }
      var forms = document.querySelectorAll('form[data-type]');
      for (var i = 0; i < forms.length; i++) forms[i].querySelector('button').disabled = true;
      setConn('session ended', 'down');
    },
  };

  function onEvent(ev) {
    if (typeof ev.seq !== 'number' || ev.seq <= last) return;
    last = ev.seq;
    var fn = render[ev.type];
    if (fn) fn(ev, ev.payload || {});
    timeline.scrollTop = timeline.scrollHeight;
  }
  function onFrame(f) {
    if (f.type === 'ack' || f.type === 'error') {
      var form = waiting[f.id];
      delete waiting[f.id];
      if (form) form.querySelector('button').disabled = ended;
      if (f.type === 'ack' && form && form.getAttribute('data-type') !== 'end_session') form.reset();
      sendError.hidden = f.type !== 'error';
      if (f.type === 'error') sendError.textContent = fieldNamed(form, f.error.message);
      return;
    }
    onEvent(f);
  }

  function connect() {
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + root.getAttribute('data-ws') + '?after=' + last;
    ws = new WebSocket(url);
    ws.onopen = function () { failures = 0; setConn('live', 'live'); };
    ws.onmessage = function (m) { try { onFrame(JSON.parse(m.data)); } catch (e) { /* ignore a malformed frame */ } };
    ws.onclose = function () {
      ws = null;
      if (ended) return;
      failures++;
      setConn(failures > 5 ? 'disconnected: reload the page or sign in again' : 'reconnecting…', 'down');
      setTimeout(connect, Math.min(10000, 300 * Math.pow(2, failures)));
    };
  }

  // 'frame.payload.url: ...' becomes 'Link: ...': the label of the field the engineer filled in.
  function fieldNamed(form, message) {
    return message.replace(/\bframe\.payload\.(\w+)/g, function (all, name) {
      var input = form && form.querySelector('[name="' + name + '"]');
      var label = input && (input.id ? document.querySelector('label[for="' + input.id + '"]') : null);
      return label ? label.textContent : input ? (input.getAttribute('aria-label') || name) : name;
    });
  }
  function payload(form) {
    var p = {};
    var fields = form.querySelectorAll('input[name]:not([type=hidden]), textarea[name]');
    for (var i = 0; i < fields.length; i++) if (fields[i].value.trim() !== '') p[fields[i].name] = fields[i].value;
    return p;
  }
  document.addEventListener('submit', function (e) {
    var form = e.target;
    var ask = form.getAttribute('data-confirm');
    if (ask && !confirm(ask)) { e.preventDefault(); return; }
    var type = form.getAttribute('data-type');
    if (!type || !ws || ws.readyState !== 1) return;
    e.preventDefault();
    var id = 'web-' + Date.now().toString(36) + '-' + (++frameNo) + '-' + Math.random().toString(36).slice(2);
    waiting[id] = form;
    form.querySelector('button').disabled = true;
    ws.send(JSON.stringify({ id: id, type: type, payload: payload(form) }));
  }, true);

  connect();
})();
`;
