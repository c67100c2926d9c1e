// Cancellation reaches child processes: the git a request started is killed with the hook it runs, and the
// keyring probe of `doctor` stops. No timing: each child blocks on a fifo the test never opens for writing
// until after it has seen -32800 and the child's whole group is gone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLIENT_INFO, rawAgent, withTimeout } from '../helpers/agent.js';
import { tempEnv } from '../helpers/env.js';

const CANCELLED = { code: -32800, message: 'Request cancelled.', data: { reason: 'cancelled', retryable: false } };

/** Alive and not a zombie (a reparented child may wait a moment to be reaped). */
function alive(pid: number): boolean {
  try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
}

async function until(what: string, ok: () => boolean): Promise<void> {
  let gaveUp = false;
  const seen = (async () => { while (!ok() && !gaveUp) await new Promise((r) => setTimeout(r, 10)); })();
  try { await withTimeout(seen, 10_000, what); } finally { gaveUp = true; }
}

/** A script that records its pid, then blocks until someone opens `fifo` for writing. */
function blocker(dir: string, name: string): { script: string; pidFile: string; fifo: string } {
  const pidFile = join(dir, `${name}.pid`);
  const fifo = join(dir, `${name}.fifo`);
  execFileSync('mkfifo', [fifo]);
  const script = join(dir, name);
  writeFileSync(script, `#!/bin/sh\necho $$ > '${pidFile}'\nread line < '${fifo}'\n`);
  chmodSync(script, 0o755);
  return { script, pidFile, fifo };
}

test('a cancelled sync kills the git it started and the fsmonitor hook git runs (the whole process group)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cvf-cancel-git-'));
  const tools = join(dir, 'tools');
  mkdirSync(tools);
  const repo = join(dir, 'repo');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: repo });
  mkdirSync(join(repo, '.codevf'), { recursive: true });
  writeFileSync(join(repo, '.codevf/config.json'), JSON.stringify({ projectId: 'p_1', allowedTools: [], testCommand: null,
    buildCommand: null, repoUploaded: false, branchMode: 'codevf', createdAt: new Date().toISOString(), version: '1' }));
  writeFileSync(join(repo, 'a.txt'), 'a\n');
  git('init', '-q', '-b', 'codevf');
  git('add', 'a.txt');
  git('commit', '-qm', 'a');
  // `git status` asks the fsmonitor hook which files changed, and waits for its answer.
  const hook = blocker(tools, 'fsmonitor-hook');
  git('config', 'core.fsmonitor', hook.script);
  const e = tempEnv('http://127.0.0.1:9');
  const a = rawAgent('ndjson', [], e.env);
  try {
    await a.request(1, 'initialize', CLIENT_INFO);
    a.send({ jsonrpc: '2.0', id: 2, method: 'sync', params: { cwd: repo } });
    await until('git status to start its hook', () => existsSync(hook.pidFile) && readFileSync(hook.pidFile, 'utf8').endsWith('\n'));
    const pid = Number(readFileSync(hook.pidFile, 'utf8'));
    assert.ok(alive(pid));
    a.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 2 } });
    assert.equal(await a.next(), { jsonrpc: '2.0', id: 2, error: CANCELLED });
    await until('the hook to be killed with git', () => !alive(pid));
    assert.equal(await a.request(3, 'ping'), { jsonrpc: '2.0', id: 3, result: {} });
  } finally {
    a.kill();
    e.cleanup();
    // Release a hook that survived (the test failed), so nothing is left blocked.
    try { execFileSync('sh', ['-c', `exec 3<>'${hook.fifo}'; echo >&3`], { timeout: 2000 }); } catch { /* no reader */ }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cancelled doctor stops its Secret Service probe and answers -32800, not a result with a failed check', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cvf-cancel-probe-'));
  const probe = blocker(dir, 'dbus-send');
  const e = tempEnv('http://127.0.0.1:9', { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent', PATH: `${dir}:${process.env.PATH}` });
  const a = rawAgent('ndjson', [], e.env);
  try {
    await a.request(1, 'initialize', CLIENT_INFO);
    a.send({ jsonrpc: '2.0', id: 2, method: 'doctor', params: {} });
    await until('doctor to probe the Secret Service', () => existsSync(probe.pidFile) && readFileSync(probe.pidFile, 'utf8').endsWith('\n'));
    const pid = Number(readFileSync(probe.pidFile, 'utf8'));
    a.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 2 } });
    assert.equal(await a.next(), { jsonrpc: '2.0', id: 2, error: CANCELLED });
    await until('the probe to be killed', () => !alive(pid));
  } finally {
    a.kill();
    e.cleanup();
    try { execFileSync('sh', ['-c', `exec 3<>'${probe.fifo}'; echo >&3`], { timeout: 2000 }); } catch { /* no reader */ }
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
