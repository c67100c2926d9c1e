// Starts the real bundled sandbox (`dist/sandbox.js --port 0 --json`) on a temporary data folder, for tests
// and benches. `kill` + `restart` exercise crashes: the restart reuses the data folder and the port.
import './dist.js'; // rebuilds dist/ first when a source is newer
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface SandboxOptions {
  /** Extra flags, e.g. `['--minute-ms', '200']`. */
  args?: string[];
  /** Reuse this data folder (not removed by `stop`). */
  dataDir?: string;
  timeoutMs?: number;
  /** Flags for node itself, e.g. `['--cpu-prof']` (also read from CVF_SANDBOX_NODE_ARGS, space-separated). */
  nodeArgs?: string[];
}

export interface Sandbox {
  url: string;
  customerToken: string;
  engineerToken: string;
  dataDir: string;
  proc: ChildProcess;
  /** Lines the process wrote on stderr (for failure messages). */
  stderr: string[];
  /** SIGTERM, wait for exit, remove the temporary data folder. */
  stop(): Promise<void>;
  /** Sends a signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts again on the same data folder and port; tokens are fresh (old ones stay valid). */
  restart(): Promise<void>;
}

const ENTRY = resolve(import.meta.dirname, '../../dist/sandbox.js');

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((r) => proc.once('exit', () => r()));
}

function launch(nodeArgs: string[], args: string[], timeoutMs: number, stderr: string[]) {
  // stdin stays open as a lifeline: when this process dies, the sandbox sees it close and exits.
  // Under another Node (CI's 22/24 runs), the sandbox keeps the Node its better-sqlite3 was built for.
  const node = process.env.CODEVF_TEST_SANDBOX_NODE || process.execPath;
  const proc = spawn(node, [...nodeArgs, ENTRY, ...args, '--exit-with-stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
  return new Promise<{ proc: ChildProcess; ready: { url: string; customerToken: string; engineerToken: string } }>((res, rej) => {
    let buf = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      proc.kill('SIGKILL');
      rej(new Error(`sandbox did not start: ${why}\n${stderr.join('')}`));
    };
    const timer = setTimeout(() => fail(`no ready line in ${timeoutMs} ms`), timeoutMs);
    proc.once('exit', (code) => fail(`exited with ${code}`));
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      try { res({ proc, ready: JSON.parse(buf.slice(0, nl)) }); } catch { fail(`bad ready line: ${buf.slice(0, nl)}`); }
    });
  });
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? await mkdtemp(join(tmpdir(), 'cvf-sandbox-'));
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const stderr: string[] = [];
  const args = (port: string) => ['--port', port, '--json', '--data', dataDir, ...(opts.args ?? [])];
  const nodeArgs = opts.nodeArgs ?? (process.env.CVF_SANDBOX_NODE_ARGS?.split(' ').filter(Boolean) ?? []);
  const first = await launch(nodeArgs, args('0'), timeoutMs, stderr);
  const sb: Sandbox = {
    ...first.ready, dataDir, proc: first.proc, stderr,
    async kill(signal = 'SIGKILL') {
      const done = exited(sb.proc);
      sb.proc.kill(signal);
      await done;
    },
    async restart() {
      await sb.kill('SIGKILL');
      const next = await launch(nodeArgs, args(new URL(sb.url).port), timeoutMs, stderr);
      Object.assign(sb, next.ready, { proc: next.proc });
    },
    async stop() {
      const done = exited(sb.proc);
      sb.proc.kill('SIGTERM');
      const t = setTimeout(() => sb.proc.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return sb;
}

export interface ApiResponse<T = any> { status: number; body: T; headers: Headers }

/** One JSON request to the sandbox; never throws on HTTP errors (tests check `status` and `body.error`). */
export async function api<T = any>(url: string, method: string, path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url + path, {
    method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body: any = text;
  try { body = JSON.parse(text); } catch { /* not JSON: keep the text */ }
  return { status: res.status, body, headers: res.headers };
}
