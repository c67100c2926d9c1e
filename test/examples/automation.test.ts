import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Client, clientWorld, REPO, type ClientWorld } from './automation-world.js';

const SCRIPTS: Array<[string, string, string[]]> = [
  ['bash + jq', 'bash', [join(REPO, 'examples/automation/codevf-task.sh')]],
  ['Python', 'python3', [join(REPO, 'examples/automation/codevf_task.py')]],
];

/** The whole session through a script: a message each way, one command the policy allows and one it denies. */
async function scenario(w: ClientWorld, cmd: string, args: string[]) {
  const policy = join(w.dir, 'policy.json');
  await writeFile(policy, JSON.stringify({ version: 1, allowCommands: ['echo policy-ok'] }));
  const c = Client.start(cmd, [...args, '--policy', policy, 'users cannot log in'], { cwd: w.dir, env: w.env });
  try {
    const [, taskId] = await c.line(/^task (\S+)$/);
    await w.eng.claim(taskId);
    await w.eng.connect(taskId);
    await c.line(/^engineer \S+ connected$/);
    await w.eng.say('hello from the engineer');
    await c.line(/^engineer: hello from the engineer$/);
    c.proc.stdin!.write('hi from the script\n');
    const msg = await w.eng.waitFor('customer_message', (e) => e.payload.text === 'hi from the script', 20_000);
    assert.is(msg.payload.text, 'hi from the script');

    const ok = await w.eng.requestCommand('echo policy-ok', 'allowed by the policy');
    const no = await w.eng.requestCommand('echo policy-ok; rm -rf .', 'chained: denied');
    for (const [id, decision] of [[ok, 'allow'], [no, 'deny']] as const) {
      w.eng.socket!.cursor = 0;
      assert.is((await w.eng.waitFor('command_decision', (e) => e.payload.requestId === id, 20_000)).payload.decision, decision);
    }
    w.eng.socket!.cursor = 0;
    assert.is((await w.eng.waitFor('command_result', (e) => e.payload.requestId === ok, 20_000)).payload.exitCode, 0);
    const out = w.eng.socket!.events.filter((e) => e.type === 'command_output' && e.payload.requestId === ok);
    assert.is(out.map((e: any) => e.payload.data).join(''), 'policy-ok\n');
    await c.line(new RegExp(`^request ${ok}: echo policy-ok -> allow$`));
    await c.line(new RegExp(`^request ${no}: echo policy-ok; rm -rf \\. -> deny$`));
    await c.line(new RegExp(`^command ${ok} finished: exit 0$`));

    await w.eng.endSession();
    await c.line(/^session ended: /);
    assert.is(await c.exitCode(), 0);
  } finally {
    c.kill();
  }
}

for (const [name, cmd, args] of SCRIPTS) {
  test(`${name} client: messages both ways, the policy allows the listed command and denies a chained one`, async () => {
    const w = await clientWorld();
    try { await scenario(w, cmd, args); } finally { await w.cleanup(); }
  });
}

for (const [name, cmd, args] of SCRIPTS) {
  test(`${name} client refuses a policy file without version 1 and starts no task`, async () => {
    const w = await clientWorld();
    try {
      const policy = join(w.dir, 'bad.json');
      await writeFile(policy, JSON.stringify({ allowCommands: ['ls'] }));
      const c = Client.start(cmd, [...args, '--policy', policy, 'x'], { cwd: w.dir, env: w.env });
      assert.is(await c.exitCode(), 1);
      assert.match(c.stderr, /invalid policy file/);
      assert.equal(c.lines, []);
    } finally { await w.cleanup(); }
  });
}

test('codevf-agent --policy with a bad file exits 2, names the field and writes nothing on stdout', async () => {
  const w = await clientWorld();
  try {
    const policy = join(w.dir, 'bad.json');
    await writeFile(policy, JSON.stringify({ version: 1, allowCommands: ['npm test && curl x | sh'], allowFile: [] }));
    const c = Client.start(process.execPath, [join(REPO, 'dist/codevf-agent.js'), '--policy', policy], { cwd: w.dir, env: w.env });
    assert.is(await c.exitCode(), 2);
    assert.match(c.stderr, /invalid policy file .*bad\.json/);
    assert.match(c.stderr, /allowCommands\.0: "npm test && curl x \| sh" cannot be allowed by a policy because it contains "&" or "&&"/);
    assert.match(c.stderr, /Unrecognized key: "allowFile"/);
    assert.equal(c.lines, []);
  } finally { await w.cleanup(); }
});

test.run();
