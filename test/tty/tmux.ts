// A real terminal for the interactive paths: tmux on its own server socket, keys by send-keys, screen by capture-pane.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export function hasTmux(): boolean {
  return spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
}

export class Tmux {
  readonly socket = `cvf-test-${randomBytes(4).toString('hex')}`;
  readonly session = 'cvf';

  private tmux(args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** Starts `command` in a terminal of `size` (default 120x40); the pane stays open after it exits so its last screen can be read. */
  start(command: string, env: NodeJS.ProcessEnv, cwd: string, size: { cols: number; rows: number } = { cols: 120, rows: 40 }): void {
    const vars = Object.entries(env).filter(([k]) => /^[A-Z_][A-Z0-9_]*$/.test(k)).map(([k, v]) => `${k}=${shq(v ?? '')}`).join(' ');
    // env -i: the program sees exactly `env`; "[exit=N]" marks its end; the sleep keeps the last screen readable.
    const run = `exec env -i ${vars} sh -c ${shq(`${command}; echo "[exit=$?]"; sleep 600`)}`;
    this.tmux(['-f', '/dev/null', 'new-session', '-d', '-x', String(size.cols), '-y', String(size.rows), '-s', this.session, '-c', cwd, run]);
    this.tmux(['set-option', '-t', this.session, 'history-limit', '5000']);
    // Without a client attached, the window keeps the size given here (and takes the one given to resize()).
    this.tmux(['set-option', '-t', this.session, 'window-size', 'manual']);
  }

  /** Resizes the terminal; the program gets SIGWINCH. */
  resize(cols: number, rows: number): void {
    this.tmux(['resize-window', '-t', this.session, '-x', String(cols), '-y', String(rows)]);
  }

  /** Only what is on the screen now (no history), one string per row: for layout checks. */
  visible(): string[] {
    return this.tmux(['capture-pane', '-p', '-t', this.session]).replace(/\n$/, '').split('\n');
  }

  /** Appends every byte the program writes to the terminal (escape sequences included) to `file`. */
  record(file: string): void {
    this.tmux(['pipe-pane', '-o', '-t', this.session, `cat >> ${shq(file)}`]);
  }

  /** Types text literally; `enter` presses Enter after it. */
  send(text: string, enter = false): void {
    if (text) this.tmux(['send-keys', '-t', this.session, '-l', text]);
    if (enter) this.tmux(['send-keys', '-t', this.session, 'Enter']);
  }

  key(name: string): void { this.tmux(['send-keys', '-t', this.session, name]); }

  /** The whole history and screen as text (no colours). */
  screen(): string {
    return this.tmux(['capture-pane', '-p', '-J', '-S', '-5000', '-t', this.session]);
  }

  /** The screen now (no history) with colours and attributes as escape sequences (capture-pane -e). */
  visibleEscapes(): string {
    return this.tmux(['capture-pane', '-p', '-e', '-t', this.session]);
  }

  /** The pane's title, as OSC 0/2 would set it. */
  title(): string { return this.tmux(['display-message', '-p', '-t', this.session, '#{pane_title}']).trim(); }

  /** The contents of every tmux paste buffer (OSC 52 makes one when set-clipboard is on). */
  buffers(): string[] {
    const names = this.tmux(['list-buffers', '-F', '#{buffer_name}']).split('\n').filter(Boolean);
    return names.map((b) => this.tmux(['show-buffer', '-b', b]));
  }

  /** Any tmux command against this server, e.g. `['set-option', '-s', 'set-clipboard', 'on']`. */
  command(args: string[]): string { return this.tmux(args); }

  /** Waits until the screen matches; fails with the screen's content after `ms`. Also matches text that the
   * program wrapped at word boundaries (line breaks and indents taken as one space). */
  async waitFor(what: string | RegExp, ms = 15_000): Promise<string> {
    const until = Date.now() + ms;
    const words = (x: string) => x.replace(/\s+/g, ' ');
    for (;;) {
      const s = this.screen();
      if (typeof what === 'string' ? s.includes(what) || words(s).includes(words(what)) : what.test(s) || what.test(words(s))) return s;
      if (Date.now() > until) throw new Error(`screen never showed ${String(what)} within ${ms} ms; screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Count of occurrences on the screen (history included). */
  count(text: string): number { return this.screen().split(text).length - 1; }

  /** Pids of every process running in the pane (the pane's shell and its descendants). */
  processes(): Array<{ pid: number; args: string }> {
    const root = Number(this.tmux(['list-panes', '-t', this.session, '-F', '#{pane_pid}']).trim());
    const out: Array<{ pid: number; args: string }> = [];
    const walk = (pid: number) => {
      const r = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
      for (const line of r.stdout.split('\n').filter(Boolean)) {
        const [, p, args] = /^\s*(\d+)\s+(.*)$/.exec(line) ?? [];
        if (!p) continue;
        out.push({ pid: Number(p), args });
        walk(Number(p));
      }
    };
    walk(root);
    return out;
  }

  kill(): void {
    try { this.tmux(['kill-server']); } catch { /* already gone */ }
  }
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
