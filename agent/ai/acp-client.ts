// codevf-agent as an ACP *client*: starts the chosen AI agent as a subprocess (own process group, CodeVF's
// token removed from its environment), speaks ACP v1 over its stdio, and hands each request the AI agent
// makes to `AiClientHandlers` after checking its params once. Methods we do not offer are -32601.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { z } from 'zod';
import { ACP_PROTOCOL_VERSION, AcpServed } from '../../protocol/acp.js';
import {
  AcpAgentInitializeResult, AcpClientMethods, AcpCreateTerminalParams, AcpInboundUpdate, AcpNewSessionResult, AcpPermissionRequestParams,
  AcpPromptResult, AcpReadTextFileParams, AcpTerminalParams, AcpWriteTextFileParams,
} from '../../protocol/acp-client.js';
import { ErrorCode, RpcError } from '../../protocol/errors.js';
import { VERSION } from '../../protocol/version.js';
import { Peer } from '../../rpc/peer.js';
import { createTransport } from '../../rpc/transport.js';
import type { Logger } from '../log.js';
import { describeZodError } from '../router.js';
import type { ChosenAgent } from './tools.js';

export interface AiClientHandlers {
  readTextFile(p: z.output<typeof AcpReadTextFileParams>, signal: AbortSignal): Promise<{ content: string }>;
  writeTextFile(p: z.output<typeof AcpWriteTextFileParams>, signal: AbortSignal): Promise<null>;
  createTerminal(p: AcpCreateTerminalParams, signal: AbortSignal): Promise<{ terminalId: string }>;
  terminalOutput(p: z.output<typeof AcpTerminalParams>): Promise<unknown>;
  waitForExit(p: z.output<typeof AcpTerminalParams>, signal: AbortSignal): Promise<unknown>;
  killTerminal(p: z.output<typeof AcpTerminalParams>): Promise<null>;
  releaseTerminal(p: z.output<typeof AcpTerminalParams>): Promise<null>;
  requestPermission(p: AcpPermissionRequestParams, signal: AbortSignal): Promise<unknown>;
  update(u: z.output<typeof AcpInboundUpdate>['update']): void;
}

export interface AiExit { code: number | null; signal: string | null; error: string | null }

const STDERR_KEEP = 4096;

function parse<S extends z.ZodType>(schema: S, params: unknown, method: string): z.output<S> {
  const r = schema.safeParse(params ?? {});
  if (!r.success) throw new RpcError(ErrorCode.InvalidParams, `Invalid params for ${method}: ${describeZodError(r.error)}`, 'invalid_params');
  return r.data;
}

export class AiAgentProcess {
  readonly exited: Promise<AiExit>;
  agentInfo: { name: string; version?: string; title?: string | null } | null = null;
  sessionId: string | null = null;
  private child: ChildProcessWithoutNullStreams;
  private peer: Peer;
  private stderrTail = '';

  constructor(readonly agent: ChosenAgent, cwd: string, env: NodeJS.ProcessEnv, private handlers: AiClientHandlers, private log: Logger) {
    const { CODEVF_TOKEN: _t, ...rest } = env;
    this.child = spawn(agent.command, agent.args, {
      cwd, env: { ...rest, ...agent.env }, stdio: 'pipe', detached: process.platform !== 'win32', windowsHide: true,
    }) as ChildProcessWithoutNullStreams;
    this.exited = new Promise((resolve) => {
      this.child.once('error', (e) => resolve({ code: null, signal: null, error: (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? `${agent.command} is not installed (not found on PATH)` : e.message }));
      this.child.once('exit', (code, signal) => resolve({ code, signal, error: null }));
    });
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-STDERR_KEEP);
      this.log.debug(`[${agent.name}] ${d.trimEnd()}`);
    });
    this.child.stdin.on('error', () => {});
    const transport = createTransport(this.child.stdout, this.child.stdin, 'ndjson');
    this.peer = new Peer(transport, {
      onRequest: (method, params, ctx) => this.serve(method, params, ctx.signal),
      onNotification: (method, params) => this.notified(method, params),
      onInternalError: (method, err) => this.log.error(`AI agent request ${method} failed`, err),
    });
    void this.exited.then(() => transport.close());
  }

  get stderr(): string { return this.stderrTail; }

  private serve(method: string, params: unknown, signal: AbortSignal): Promise<unknown> {
    const h = this.handlers;
    const M = AcpClientMethods;
    switch (method) {
      case M.readTextFile: return h.readTextFile(parse(AcpReadTextFileParams, params, method), signal);
      case M.writeTextFile: return h.writeTextFile(parse(AcpWriteTextFileParams, params, method), signal);
      case M.terminalCreate: return h.createTerminal(parse(AcpCreateTerminalParams, params, method), signal);
      case M.terminalOutput: return h.terminalOutput(parse(AcpTerminalParams, params, method));
      case M.terminalWaitForExit: return h.waitForExit(parse(AcpTerminalParams, params, method), signal);
      case M.terminalKill: return h.killTerminal(parse(AcpTerminalParams, params, method));
      case M.terminalRelease: return h.releaseTerminal(parse(AcpTerminalParams, params, method));
      case M.requestPermission: return h.requestPermission(parse(AcpPermissionRequestParams, params, method), signal);
      default: throw new RpcError(ErrorCode.MethodNotFound, `Method not found: ${method}.`, 'method_not_found');
    }
  }

  private notified(method: string, params: unknown): void {
    if (method !== AcpClientMethods.sessionUpdate) return;
    const u = AcpInboundUpdate.safeParse(params);
    if (!u.success || u.data.sessionId !== this.sessionId) return void this.log.warn(`ignored a malformed or foreign session/update from ${this.agent.name}`);
    this.handlers.update(u.data.update);
  }

  private async call<S extends z.ZodType>(method: string, params: unknown, schema: S, signal?: AbortSignal): Promise<z.output<S>> {
    const raw = await Promise.race([
      this.peer.send(method, params, signal),
      this.exited.then((e) => { throw new RpcError(ErrorCode.InternalError, `the AI agent exited (${describeExit(e)})`, 'ai_exited'); }),
    ]);
    const r = schema.safeParse(raw);
    if (!r.success) throw new RpcError(ErrorCode.InternalError, `the AI agent answered ${method} with a malformed result: ${describeZodError(r.error)}`, 'ai_protocol');
    return r.data;
  }

  /** initialize + session/new; the client capabilities offered are exactly the ones routed through approvals. */
  async start(cwd: string): Promise<void> {
    const init = await this.call(AcpServed.requests.initialize.method, {
      protocolVersion: ACP_PROTOCOL_VERSION,
      clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: true },
      clientInfo: { name: 'codevf-agent', title: 'CodeVF', version: VERSION },
    }, AcpAgentInitializeResult);
    this.agentInfo = init.agentInfo ?? null;
    const s = await this.call(AcpServed.requests.sessionNew.method, { cwd, mcpServers: [] }, AcpNewSessionResult);
    this.sessionId = s.sessionId;
  }

  async prompt(text: string, signal?: AbortSignal) {
    return (await this.call(AcpServed.requests.sessionPrompt.method, { sessionId: this.sessionId, prompt: [{ type: 'text', text }] }, AcpPromptResult, signal)).stopReason;
  }

  cancel(): void {
    if (this.sessionId) void this.peer.sendNotification(AcpServed.notifications.sessionCancel.method, { sessionId: this.sessionId });
  }

  /** Ends the AI agent: stdin closed, then SIGTERM and SIGKILL to its whole process group. */
  async stop(graceMs = 1500): Promise<AiExit> {
    this.child.stdin.end();
    const kill = (sig: NodeJS.Signals) => {
      try { if (this.child.pid) process.kill(-this.child.pid, sig); } catch { try { this.child.kill(sig); } catch { /* gone */ } }
    };
    const t1 = setTimeout(() => kill('SIGTERM'), graceMs / 2);
    const t2 = setTimeout(() => kill('SIGKILL'), graceMs);
    const e = await this.exited;
    clearTimeout(t1); clearTimeout(t2);
    return e;
  }
}

export function describeExit(e: AiExit): string {
  if (e.error) return e.error;
  return e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
}
