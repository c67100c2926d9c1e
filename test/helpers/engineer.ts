// A scripted engineer over the real engineer API and WebSocket, for end-to-end tests of every layer.
// `TaskSocket` is the socket part alone; tests also use it as the customer's socket.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { z } from 'zod';
import { routes, type CustomerAction, type EngineerAction, type EventType, type TaskEvent } from '../../protocol/backend/index.js';
import type { Posted } from '../../protocol/backend/tasks.js';
import { api } from './sandbox.js';

type Action = z.input<typeof EngineerAction> | z.input<typeof CustomerAction>;

/** The id the server gave an engineer's request (its ack always carries one). */
export function requestIdOf(p: Posted): string {
  if (!p.requestId) throw new Error(`the ack of an engineer request has no requestId: ${JSON.stringify(p)}`);
  return p.requestId;
}

type EventOf<T extends EventType> = Extract<TaskEvent, { type: T }>;
interface Waiter { match: (e: TaskEvent) => boolean; resolve: (e: TaskEvent) => void }

export class TaskSocket {
  /** Every event received, in order. */
  readonly events: TaskEvent[] = [];
  /** `waitFor` looks at events after the last one it returned. */
  cursor = 0;
  closed: Promise<{ code: number; reason: string }>;
  private ws: WebSocket;
  private acks = new Map<string, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private waiters = new Set<Waiter>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((r) => ws.once('close', (code, reason) => {
      for (const p of this.acks.values()) p.reject(new Error(`socket closed (${code}) before the ack`));
      this.acks.clear();
      r({ code, reason: String(reason) });
    }));
    ws.on('message', (data) => this.onMessage(JSON.parse(String(data))));
  }

  static open(url: string, token: string, after = 0): Promise<TaskSocket> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}?after=${after}`, { headers: { authorization: `Bearer ${token}` } });
    return new Promise((resolve, reject) => {
      const sock = new TaskSocket(ws);
      ws.once('open', () => resolve(sock));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d) => { body += d; }).on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body}`), { status: res.statusCode, body })));
      });
      ws.once('error', reject);
    });
  }

  private onMessage(m: any): void {
    if (m.type === 'ack' || m.type === 'error') {
      const p = this.acks.get(m.id);
      this.acks.delete(m.id);
      if (m.type === 'ack') p?.resolve(m.result);
      else p?.reject(Object.assign(new Error(`${m.error.code}: ${m.error.message}`), { code: m.error.code }));
      return;
    }
    this.events.push(m);
    for (const w of [...this.waiters]) if (w.match(m)) { this.waiters.delete(w); w.resolve(m); }
  }

  /** Sends an action as declared in protocol/backend (engineer's or customer's) and resolves with the server's
   *  ack result; `id` is the idempotency key. */
  send<T extends Action['type']>(type: T, payload: Extract<Action, { type: T }>['payload'], id?: string): Promise<Posted> {
    return this.sendRaw(type, payload, id);
  }

  /** Any frame, for tests of what the server does with one that is not declared. */
  sendRaw(type: string, payload: unknown, id: string = randomUUID()): Promise<any> {
    return new Promise((resolve, reject) => {
      this.acks.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ type, id, payload }));
    });
  }

  waitFor<T extends EventType>(type: T, predicate: (e: EventOf<T>) => boolean = () => true, timeoutMs = 10_000): Promise<EventOf<T>> {
    const match = (e: TaskEvent) => e.seq > this.cursor && e.type === type && predicate(e as EventOf<T>);
    const take = (e: TaskEvent) => { this.cursor = e.seq; return e as EventOf<T>; };
    const found = this.events.find(match);
    if (found) return Promise.resolve(take(found));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`no ${type} event within ${timeoutMs} ms; got: ${this.events.map((e) => `${e.seq}:${e.type}`).join(' ')}`));
      }, timeoutMs);
      const w: Waiter = { match, resolve: (e) => { clearTimeout(timer); resolve(take(e)); } };
      this.waiters.add(w);
    });
  }

  close(): Promise<unknown> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    this.ws.close(1000);
    return this.closed;
  }
}

export class ScriptedEngineer {
  socket?: TaskSocket;
  taskId?: string;

  constructor(readonly url: string, readonly token: string) {}

  /** Claims the task (throws with the error body when refused). */
  async claim(taskId: string) {
    const r = await api(this.url, 'POST', routes.engineer.claim.path(taskId), { token: this.token, body: {} });
    if (r.status !== 200) throw new Error(`claim failed: ${r.status} ${JSON.stringify(r.body)}`);
    this.taskId = taskId;
    return r.body;
  }

  /** Opens the engineer socket (billing runs while it is open). */
  async connect(taskId = this.taskId!, after = 0): Promise<TaskSocket> {
    this.taskId = taskId;
    this.socket = await TaskSocket.open(this.url + routes.engineer.events.path(taskId), this.token, after);
    return this.socket;
  }

  private get sock(): TaskSocket {
    if (!this.socket) throw new Error('call connect() first');
    return this.socket;
  }

  say(text: string): Promise<{ seq: number }> { return this.sock.send('engineer_message', { text }); }

  async requestCommand(command: string, reason: string, cwd?: string): Promise<string> {
    return requestIdOf(await this.sock.send('request_command', { command, reason, ...(cwd ? { cwd } : {}) }));
  }

  async requestFile(path: string, reason: string): Promise<string> {
    return requestIdOf(await this.sock.send('request_file', { path, reason }));
  }

  async screenshare(url: string): Promise<string> { return requestIdOf(await this.sock.send('screenshare_request', { url })); }

  endSession(): Promise<{ seq: number }> { return this.sock.send('end_session', {}); }

  waitFor<T extends EventType>(type: T, predicate?: (e: EventOf<T>) => boolean, timeoutMs?: number) {
    return this.sock.waitFor(type, predicate, timeoutMs);
  }

  /** Content of a file the customer uploaded. */
  async download(downloadPath: string): Promise<Buffer> {
    const res = await fetch(this.url + downloadPath, { headers: { authorization: `Bearer ${this.token}` } });
    if (!res.ok) throw new Error(`download failed: ${res.status} ${await res.text()}`);
    return Buffer.from(await res.arrayBuffer());
  }

  async close(): Promise<void> {
    await this.socket?.close();
  }
}
