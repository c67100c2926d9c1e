// The one stylesheet and the small page script (copy buttons, double-submit guard), served from memory so
// the bundled sandbox needs no files next to it. The console's script is client/console.ts, bundled into the
// sandbox by scripts/build.mjs as __CONSOLE_JS__ (run from source without the build, the console has no script).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ASSETS } from './layout.js';

const CSS = `
:root { --fg:#1d232a; --muted:#5b6672; --line:#dde3e9; --bg:#f6f8fa; --card:#fff; --accent:#2457c5; --ok:#1a7f37; --bad:#c62828; --warn:#9a6700; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; align-items:center; gap:24px; padding:10px 24px; background:#111827; color:#fff; }
header a { color:#fff; text-decoration:none; }
.brand { font-weight:700; font-size:17px; } .brand small { font-weight:400; opacity:.7; }
nav { display:flex; align-items:center; gap:16px; flex:1; }
nav .who { margin-left:auto; opacity:.8; font-size:13px; }
main { max-width:760px; margin:28px auto; padding:0 20px; } main.wide { max-width:1180px; }
h1 { font-size:24px; margin:0 0 16px; } h2 { font-size:18px; margin:24px 0 8px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:18px 20px; margin:0 0 18px; }
.card > :first-child { margin-top:0; } .card > :last-child { margin-bottom:0; }
label { display:block; font-weight:600; margin:10px 0 4px; }
input[type=text], input[type=email], input[type=password], input[type=number], input[type=url], select, textarea {
  width:100%; padding:8px 10px; border:1px solid #c4ccd5; border-radius:6px; font:inherit; background:#fff; }
textarea { min-height:60px; resize:vertical; }
.checks label { display:inline-flex; gap:6px; font-weight:400; margin-right:14px; }
button { font:inherit; padding:8px 16px; border-radius:6px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; }
button.secondary { background:#fff; color:var(--accent); } button.danger { background:var(--bad); border-color:var(--bad); }
button.link { background:none; border:none; color:inherit; padding:0; text-decoration:underline; }
button:disabled { opacity:.5; cursor:default; }
form.inline { display:inline; } form.inline + a, form.inline + form.inline { margin-left:12px; } .row { display:flex; gap:10px; align-items:flex-end; flex-wrap:wrap; } .row > * { flex:1; }
.row > button { flex:0 0 auto; }
table { width:100%; border-collapse:collapse; font-size:14px; } th, td { text-align:left; padding:7px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; }
code, pre, .code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.code-big { font-size:28px; letter-spacing:4px; font-weight:700; }
.secret { display:flex; gap:10px; align-items:center; background:#fff8c5; border:1px solid #d4a72c; border-radius:6px; padding:10px; word-break:break-all; }
.ok { color:var(--ok); } .error { color:var(--bad); } .warn { color:var(--warn); } .muted { color:var(--muted); }
p.ok, p.error, p.warn { padding:8px 12px; border-radius:6px; background:#fff; border:1px solid currentColor; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; background:#eef1f4; }
.badge.active, .badge.allowed, .badge.approved, .badge.paid { background:#dafbe1; color:var(--ok); }
.badge.revoked, .badge.denied, .badge.expired { background:#ffebe9; color:var(--bad); }
.badge.pending, .badge.open { background:#fff8c5; color:var(--warn); }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; margin:0; } dl.facts dt { color:var(--muted); } dl.facts dd { margin:0; }
.console { display:grid; grid-template-columns: 1fr 360px; gap:18px; align-items:start; }
#timeline { list-style:none; margin:0; padding:0; max-height:62vh; overflow-y:auto; }
#timeline li { padding:8px 10px; border-bottom:1px solid var(--line); }
#timeline li.me { background:#f0f6ff; } #timeline li.ai, .transcript li.ai { background:#f5f0ff; } .badge.ai { background:#efe6ff; color:#6639ba; } #timeline li.customer { background:#f6fff2; } #timeline li.system { color:var(--muted); font-size:13px; }
#timeline .meta { font-size:12px; color:var(--muted); }
#timeline pre { background:#0d1117; color:#e6edf3; padding:8px; border-radius:6px; white-space:pre-wrap; word-break:break-all; margin:6px 0 0; max-height:260px; overflow:auto; }
#timeline pre .stderr { color:#ff9492; }
.conn { font-size:13px; } .conn.live { color:var(--ok); } .conn.down { color:var(--bad); }
`;

const APP_JS = `'use strict';
document.addEventListener('click', function (e) {
  var b = e.target.closest && e.target.closest('[data-copy]');
  if (!b) return;
  var el = document.getElementById(b.getAttribute('data-copy'));
  if (!el) return;
  var done = function () { b.textContent = 'Copied'; };
  if (navigator.clipboard) navigator.clipboard.writeText(el.textContent).then(done, function () { b.textContent = 'Select and copy'; });
});
document.addEventListener('submit', function (e) {
  var f = e.target;
  if (f.hasAttribute('data-once')) { if (f.dataset.sent) { e.preventDefault(); return; } f.dataset.sent = '1'; }
});
`;

declare const __CONSOLE_JS__: string | undefined;
const CONSOLE_JS = typeof __CONSOLE_JS__ === 'string' ? __CONSOLE_JS__ : '';

const files: Record<string, { type: string; body: string }> = {
  [ASSETS.css]: { type: 'text/css; charset=utf-8', body: CSS },
  [ASSETS.js]: { type: 'text/javascript; charset=utf-8', body: APP_JS },
  [ASSETS.console]: { type: 'text/javascript; charset=utf-8', body: CONSOLE_JS },
};

export const assetPaths = Object.keys(files);

export function serveAsset(req: IncomingMessage, res: ServerResponse, path: string): void {
  const f = files[path];
  res.writeHead(200, { 'content-type': f.type, 'content-length': String(Buffer.byteLength(f.body)),
    'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
  res.end(req.method === 'HEAD' ? undefined : f.body);
}
