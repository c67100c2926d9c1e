// A client process under test (a script or an editor) against the real sandbox and a scripted engineer:
// its own project folder and HOME, the built agent, stdout collected line by line with bounded waits.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ScriptedEngineer } from '../helpers/engineer.js';
import { startSandbox, type Sandbox } from '../helpers/sandbox.js';

export const REPO = resolve(import.meta.dirname, '../..');
export const AGENT = `${process.execPath} ${join(REPO, 'dist/codevf-agent.js')}`;

export interface ClientWorld {
  sb: Sandbox;
  dir: string;
  home: string;
  eng: ScriptedEngineer;
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

export async function clientWorld(): Promise<ClientWorld> {
  const sb = await startSandbox();
  const dir = await mkdtemp(join(tmpdir(), 'cvf-proj-'));
  const home = await mkdtemp(join(tmpdir(), 'cvf-home-'));
  const env = { ...process.env, CODEVF_HOST: sb.url, CODEVF_TOKEN: sb.customerToken, HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'), CODEVF_AGENT: AGENT, DBUS_SESSION_BUS_ADDRESS: '' };
  const eng = new ScriptedEngineer(sb.url, sb.engineerToken);
  return {
    sb, dir, home, eng, env,
    async cleanup() {
      await eng.close().catch(() => {});
      await sb.stop().catch(() => {});
      await rm(home, { recursive: true, force: true });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A spawned client: stdout lines, waits that fail with what was seen, and its exit. */
export class Client {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private waiters = new Set<() => void>();

  constructor(readonly proc: ChildProcess) {
    let buf = '';
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) { this.lines.push(buf.slice(0, nl)); buf = buf.slice(nl + 1); }
      for (const w of [...this.waiters]) w();
    });
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => { this.stderr += d; });
    this.exited = new Promise((r) => proc.once('exit', (code) => { for (const w of [...this.waiters]) w(); r(code); }));
  }

  static start(cmd: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv }): Client {
    return new Client(spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /** The first stdout line matching `re`; fails after `ms` with the output so far. */
  line(re: RegExp, ms = 20_000): Promise<RegExpMatchArray> {
    return new Promise((res, rej) => {
      const check = () => {
        for (const l of this.lines) { const m = l.match(re); if (m) { done(); return res(m); } }
        if (this.proc.exitCode !== null) { done(); rej(new Error(`exited (${this.proc.exitCode}) without ${re}\nstdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`)); }
      };
      const timer = setTimeout(() => { done(); rej(new Error(`no line ${re} within ${ms} ms\nstdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`)); }, ms);
      const done = () => { clearTimeout(timer); this.waiters.delete(check); };
      this.waiters.add(check);
      check();
    });
  }

  async exitCode(ms = 20_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`client did not exit within ${ms} ms\nstderr:\n${this.stderr}`)), ms); });
    try { return await Promise.race([this.exited, t]); } finally { clearTimeout(timer); }
  }

  kill(): void { if (this.proc.exitCode === null) this.proc.kill('SIGKILL'); }
}
