// The agent as this front end sees it: a child process spoken to over JSON-RPC on stdio through the typed
// vscode-jsonrpc client (frontends/client), with the protocol's declarations (never a hand-written method
// name). Results and notifications are checked against them.
import { AgentConnection, connectAgent } from '../../client/agent-connection.js';
import type { AnyNotificationDef, AnyRequestDef, ParamsIn, ParamsOf, ResultOf } from '../../../protocol/define.js';
import { Exit, Initialize, Initialized, Shutdown } from '../../../protocol/methods/lifecycle.js';
import { VERSION } from '../../../protocol/version.js';
import { spawnReadingStdout, type Spawned } from '../../../rpc/socket-stdout.js';
import { binPath } from './bin.js';
import { CliError } from './errors.js';

/** What the front end declares in `initialize` (the protocol's type, not a copy). */
export type Capabilities = NonNullable<ParamsIn<typeof Initialize>['capabilities']>;

export interface AgentOptions {
  host?: string;
  verbose: boolean;
  env: NodeJS.ProcessEnv;
  capabilities: Capabilities;
}

/** Waits for `p` at most `ms` (the timer is cleared, so it never holds the process open). */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => { t = setTimeout(r, ms); })]).finally(() => clearTimeout(t));
}

export class AgentClient {
  private stderrTail: string[] = [];
  private exitInfo: { code: number | null; signal: string | null } | undefined;
  readonly exited: Promise<void>;
  private conn: AgentConnection;

  private constructor(private agent: Spawned, private readonly verbose: boolean) {
    const { proc } = agent;
    this.exited = new Promise((r) => proc.on('exit', (code, signal) => { this.exitInfo = { code, signal }; r(); }));
    agent.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (verbose) process.stderr.write(d);
      else this.stderrTail = this.stderrTail.concat(d.split('\n').filter(Boolean)).slice(-8);
    });
    agent.stdin.on('error', () => { /* the agent died; the pending requests report it */ });
    this.conn = connectAgent(agent.stdout, agent.stdin);
  }

  static async start(opts: AgentOptions): Promise<AgentClient> {
    const args = [binPath('codevf-agent.js'), ...(opts.host ? ['--host', opts.host] : []), ...(opts.verbose ? ['--verbose'] : [])];
    // Own process group: Ctrl+C at the terminal must not kill it mid-request; it exits when our pipes close.
    // Its output is read into one reused buffer (rpc/socket-stdout.ts): command output comes by the megabyte.
    const client = new AgentClient(await spawnReadingStdout(process.execPath, args, { env: opts.env, detached: true, windowsHide: true }), opts.verbose);
    await client.request(Initialize, { clientInfo: { name: 'codevf', version: VERSION }, capabilities: opts.capabilities });
    await client.conn.notify(Initialized, {});
    return client;
  }

  async request<D extends AnyRequestDef>(def: D, params: ParamsIn<D>, opts: { signal?: AbortSignal } = {}): Promise<ResultOf<D>> {
    try {
      return await this.conn.request(def, params, opts);
    } catch (e) {
      const reason = (e as { data?: { reason?: string } }).data?.reason;
      if (reason === 'connection_closed') throw await this.crashed();
      if (reason === 'invalid_result') throw new CliError(`Error: codevf-agent answered ${def.method} with something unexpected: ${(e as Error).message}`);
      throw e;
    }
  }

  /** Calls `fn` with each valid notification of this kind; returns the unsubscribe function. */
  on<D extends AnyNotificationDef>(def: D, fn: (params: ParamsOf<D>) => void): () => void {
    const d = this.conn.onNotification(def, fn, (err) => { if (this.verbose) process.stderr.write(`codevf: ${def.method}: ${err.message}\n`); });
    return () => d.dispose();
  }

  private async crashed(): Promise<CliError> {
    await within(this.exited, 1000);
    const how = this.exitInfo ? (this.exitInfo.signal ? `signal ${this.exitInfo.signal}` : `exit code ${this.exitInfo.code}`) : 'closed its output';
    const tail = this.stderrTail.length ? `\n${this.stderrTail.join('\n')}` : '';
    return new CliError(`Error: codevf-agent stopped unexpectedly (${how}).${tail}\nRun again with --verbose for its log.`);
  }

  /** shutdown + exit, then waits for the process (killing it if it will not go). */
  async close(): Promise<void> {
    if (this.exitInfo) return;
    try {
      await within(this.conn.request(Shutdown, undefined), 2000);
      await this.conn.notify(Exit, undefined);
    } catch { /* already gone */ }
    this.conn.dispose();
    this.agent.stdin.end();
    const timer = setTimeout(() => this.agent.proc.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timer);
  }
}
