// The AI transcript as the engineer sees it before claiming a handed-off task: the stored `ai_transcript`
// and `handoff` events rendered on the server (escaped like every page), so the engineer can judge the
// task without joining it. After claiming, the live page renders the same events from the socket.
import type { TaskEvent } from '../../protocol/backend/index.js';
import { html, type Html } from './html.js';

type Ev<T extends TaskEvent['type']> = Extract<TaskEvent, { type: T }>;

function entry(e: Ev<'ai_transcript'>, ai: string): Html {
  const p = e.payload;
  switch (p.type) {
    case 'message':
      return html`<li class="${p.from === 'ai' ? 'ai' : 'customer'}" data-type="ai_transcript" data-entry="message">
        <div class="meta">${p.from === 'ai' ? `AI (${ai})` : 'Customer'}</div><div class="text">${p.text}</div></li>`;
    case 'request':
      return html`<li class="ai" data-type="ai_transcript" data-entry="request" data-request-id="${p.requestId}">
        <div class="meta">AI (${ai}) asked</div><div>${p.kind} <code>${p.subject}</code></div>
        ${p.reason ? html`<div class="muted">Reason: ${p.reason}</div>` : ''}</li>`;
    case 'decision':
      return html`<li class="customer" data-type="ai_transcript" data-entry="decision" data-request-id="${p.requestId}">
        <div class="meta">Decision</div><div><span class="badge ${p.decision === 'allow' ? 'allowed' : 'denied'}">${p.decision === 'allow' ? 'allowed' : 'denied'}</span> by ${p.decidedBy}</div></li>`;
    case 'output':
      return html`<li class="system" data-type="ai_transcript" data-entry="output" data-request-id="${p.requestId}">
        <div class="meta">Output${p.exitCode !== undefined && p.exitCode !== null ? ` (exit ${p.exitCode})` : ''}</div><pre class="output">${p.text}</pre></li>`;
  }
}

/** The transcript and the hand-off reason, or an empty string for a task that never had an AI session. */
export function transcriptSection(events: TaskEvent[]): Html | string {
  const handoff = events.find((e): e is Ev<'handoff'> => e.type === 'handoff');
  if (!handoff) return '';
  const ai = handoff.payload.aiTool ?? 'AI agent';
  const items = events.filter((e): e is Ev<'ai_transcript'> => e.type === 'ai_transcript');
  return html`<div class="card" id="ai-transcript"><h2>Before you: the AI session</h2>
    <p id="handoff-reason">Handed off: <strong>${handoff.payload.reason.replace(/_/g, ' ')}</strong>${handoff.payload.detail ? html` — ${handoff.payload.detail}` : ''}</p>
    ${items.length ? html`<ol class="transcript">${items.map((e) => entry(e, ai))}</ol>` : html`<p class="muted">The AI did not work on this task.</p>`}</div>`;
}
