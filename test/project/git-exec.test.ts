// Which git the agent runs, in a child process (the choice is cached per process): the git on PATH, with the
// exec path that git reports, handed to each child and never written into process.env.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDirs } from './helpers.js';

const tmp = tempDirs('codevf-gitexec-');
test.after(tmp.cleanup);
const ROOT = resolve(import.meta.dirname, '../..');
const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();

/** A `git` that answers --exec-path and --version itself and logs GIT_EXEC_PATH before running the real one. */
async function fakeGit(): Promise<{ bin: string; log: string }> {
  const bin = await tmp.make();
  const log = join(bin, 'exec-path.log');
  writeFileSync(join(bin, 'git'), `#!/bin/sh
case "$1" in
  --exec-path) echo /opt/fake-git/libexec/git-core; exit 0 ;;
  --version) echo "git version 9.9.9.fake"; exit 0 ;;
esac
echo "$GIT_EXEC_PATH" >> "${log}"
GIT_EXEC_PATH= exec "${realGit}" "$@"
`);
  chmodSync(join(bin, 'git'), 0o755);
  return { bin, log };
}

const SCRIPT = `
import { gitInfo, runGit } from './agent/project/git-exec.ts';
const info = await gitInfo();
const r = await runGit(['rev-parse', '--is-inside-work-tree'], process.cwd());
process.stdout.write(JSON.stringify({ info, out: r.stdout.trim(), code: r.exitCode, envAfter: process.env.GIT_EXEC_PATH ?? null }));
`;

test('without dugite\'s git, the git on PATH runs with the exec path it reports; process.env is left alone', async () => {
  const { bin, log } = await fakeGit();
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  delete env.GIT_EXEC_PATH;
  const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { cwd: ROOT, env, encoding: 'utf8' }));
  assert.equal(out, {
    info: { source: 'path', binary: 'git', execPath: '/opt/fake-git/libexec/git-core', version: 'git version 9.9.9.fake' },
    out: 'true', code: 0, envAfter: null,
  });
  assert.equal(readFileSync(log, 'utf8').trim().split('\n'), ['/opt/fake-git/libexec/git-core']);
});

test('no git anywhere: the run rejects with ENOENT (the callers turn it into git_unavailable)', async () => {
  const empty = await tmp.make();
  const env = { ...process.env, PATH: empty };
  const script = `import { runGit } from './agent/project/git-exec.ts';
runGit(['status'], process.cwd()).then(() => process.stdout.write('ran'), (e) => process.stdout.write(String(e.code)));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, env, encoding: 'utf8' });
  assert.is(out, 'ENOENT');
});

test.run();
