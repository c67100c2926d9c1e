// What the AI session leaves for the engineer: messages (consecutive chunks of one speaker merged),
// requests, decisions and outputs, each redacted before it is kept. Bounded: the oldest entries go first
// when the whole would pass what one hand-off may carry.
import type { TranscriptEntry } from '../../protocol/backend/index.js';
import { redact } from '../security/redact.js';

const MAX_ENTRIES = 500;
const MAX_BYTES = 1024 * 1024;
const OUTPUT_TAIL = 8 * 1024;
const TEXT_MAX = 20_000;

const clean = (s: string, max = TEXT_MAX) => redact(s).text.slice(-max);

export class Transcript {
  private entries: TranscriptEntry[] = [];

  message(from: 'ai' | 'customer', text: string): void {
    const last = this.entries.at(-1);
    if (last?.type === 'message' && last.from === from) last.text = clean(last.text + text);
    else this.entries.push({ type: 'message', from, text: clean(text) });
  }

  request(requestId: string, kind: 'command' | 'file' | 'write' | 'permission', subject: string, reason: string): void {
    this.entries.push({ type: 'request', requestId, kind, subject: clean(subject, 4000), reason: clean(reason, 2000) });
  }

  decision(requestId: string, decision: 'allow' | 'deny', decidedBy: string): void {
    this.entries.push({ type: 'decision', requestId, decision, decidedBy: decidedBy.slice(0, 40) });
  }

  output(requestId: string, text: string, exitCode: number | null): void {
    this.entries.push({ type: 'output', requestId, text: clean(text, OUTPUT_TAIL), exitCode });
  }

  /** The entries to send: the newest ones that fit. */
  forHandoff(): TranscriptEntry[] {
    const out = this.entries.slice(-MAX_ENTRIES).map((e) => ({ ...e }));
    let bytes = out.reduce((n, e) => n + JSON.stringify(e).length, 0);
    while (bytes > MAX_BYTES && out.length) bytes -= JSON.stringify(out.shift()).length;
    return out;
  }

  get size(): number { return this.entries.length; }
}
