// For the terminal tests of `codevf fix`: a sandbox, a signed-in customer HOME, an initialised project,
// `codevf fix` in tmux, and the scripted engineer taking the task from the queue.
import * as assert from 'uvu/assert';
import { routes } from '../../protocol/backend/index.js';
import { TTY_BIN, withTimeout } from '../helpers/agent.js';
import { ScriptedEngineer } from '../helpers/engineer.js';
import { api, startSandbox, type Sandbox } from '../helpers/sandbox.js';
import { cleanEnv, codevf, nodeRepo, tempHome } from './helpers.js';
import { hasTmux, Tmux } from './tmux.js';

export class LiveWorld {
  term?: Tmux;
  eng?: ScriptedEngineer;

  private constructor(readonly sb: Sandbox, readonly home: { dir: string; done: () => Promise<void> }, readonly env: NodeJS.ProcessEnv) {}

  static async start(sandboxArgs: string[]): Promise<LiveWorld> {
    if (!hasTmux()) throw new Error('tmux is needed for the terminal tests: apt-get install -y tmux');
    const sb = await startSandbox({ args: sandboxArgs });
    const home = await tempHome();
    const env = cleanEnv(home.dir, { CODEVF_HOST: sb.url, TERM: 'xterm-256color', PATH: process.env.PATH });
    const r = await codevf(['login', '--with-token'], { env, input: sb.customerToken });
    assert.is(r.code, 0, r.stderr);
    return new LiveWorld(sb, home, env);
  }

  /** A new git repository with `codevf init --yes` done. */
  async project(): Promise<string> {
    const dir = await nodeRepo(this.home.dir);
    const r = await codevf(['init', '--yes'], { env: this.env, cwd: dir });
    assert.is(r.code, 0, r.stderr);
    return dir;
  }

  /** `codevf fix <args>` in a fresh terminal. */
  fix(args: string, cwd: string, env: NodeJS.ProcessEnv = {}, size?: { cols: number; rows: number }): Tmux {
    this.term = new Tmux();
    this.term.start(`${process.execPath} ${TTY_BIN} fix ${args}`, { ...this.env, ...env }, cwd, size);
    return this.term;
  }

  /** The open task with this issue in the engineer's queue, polled until it shows. */
  openTask(issue: string): Promise<string> {
    return withTimeout((async () => {
      for (;;) {
        const r = await api(this.sb.url, 'GET', routes.engineer.openTasks.path(), { token: this.sb.engineerToken });
        const t = r.body.tasks?.find((x: { status: string; issue: string }) => x.status === 'open' && x.issue === issue);
        if (t) return t.taskId as string;
        await new Promise((res) => setTimeout(res, 100));
      }
    })(), 15_000, 'the task in the engineer queue');
  }

  /** Maria claims the task with this issue and connects; resolves with the task id. */
  async engineerJoins(issue: string): Promise<string> {
    const taskId = await this.openTask(issue);
    this.eng = new ScriptedEngineer(this.sb.url, this.sb.engineerToken);
    await this.eng.claim(taskId);
    await this.eng.connect(taskId);
    return taskId;
  }

  task(taskId: string) {
    return api(this.sb.url, 'GET', routes.tasks.get.path(taskId), { token: this.sb.customerToken }).then((r) => r.body);
  }

  /** After each test: the terminal and the engineer's socket. */
  async reset(): Promise<void> {
    this.term?.kill();
    this.term = undefined;
    if (this.eng) await withTimeout(this.eng.close(), 5000, 'engineer socket close').catch(() => undefined);
    this.eng = undefined;
  }

  async stop(): Promise<void> {
    await this.reset();
    await this.sb.stop();
    await this.home.done();
  }
}
