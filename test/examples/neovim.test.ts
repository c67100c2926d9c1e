import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Client, clientWorld, REPO, type ClientWorld } from './automation-world.js';

const PLUGIN = join(REPO, 'examples/neovim');
const NVIM = spawnSync('nvim', ['--version'], { encoding: 'utf8' });

/** A child Neovim with only this plugin (loaded as a user's runtimepath would) running `driver`. */
async function startNvim(w: ClientWorld, driver: string): Promise<Client> {
  if (NVIM.status !== 0) throw new Error('nvim is not installed (apt-get install -y neovim)');
  const file = join(w.home, 'driver.lua');
  await writeFile(file, driver);
  return Client.start('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '--cmd', `set rtp^=${PLUGIN}`,
    '-c', 'runtime plugin/codevf.lua', '-c', `luafile ${file}`], { cwd: w.dir, env: w.env });
}

/** The user's side, scripted in the child Neovim: answers prompts through vim.ui.select as a person would. */
const DRIVER = `
local agent = { ${JSON.stringify(process.execPath)}, ${JSON.stringify(join(REPO, 'dist/codevf-agent.js'))} }
local function emit(s) io.stdout:write(s .. '\\n'); io.stdout:flush() end
require('codevf').setup({ cmd = agent })
vim.ui.select = function(items, opts, on_choice)
  emit('select ' .. opts.prompt)
  local want = opts.prompt:find('echo from-nvim', 1, true) and 'Allow once' or 'Deny'
  for i, item in ipairs(items) do
    if opts.format_item(item) == want then return on_choice(item, i) end
  end
end
vim.cmd('CodeVF fix users cannot log in')
local session, chat = require('codevf.session'), require('codevf.chat')
local told, said, started = false, false, vim.loop.now()
local timer = vim.loop.new_timer()
timer:start(100, 100, vim.schedule_wrap(function()
  if session.task_id and not told then told = true; emit('task ' .. session.task_id) end
  local text = table.concat(chat.lines(), '\\n')
  if not said and text:find('hello from the engineer', 1, true) then
    said = true
    vim.cmd('CodeVF say hi from neovim')
    -- The prompt out: Enter in the chat buffer asks for a message (answered here as a user would type it).
    vim.ui.input = function(_, on_confirm) on_confirm('typed in the chat') end
    vim.api.nvim_set_current_buf(chat.buf())
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('<CR>', true, false, true), 'x', false)
  end
  if session.status == 'ended' or vim.loop.now() - started > 60000 then
    timer:stop()
    for _, l in ipairs(chat.lines()) do emit('chat ' .. l) end
    emit(session.status == 'ended' and 'done' or 'timeout')
    vim.cmd(session.status == 'ended' and 'qa!' or 'cquit!')
  end
end))
`;

test('Neovim plugin: chat both ways (:CodeVF say and Enter in the chat buffer) and command requests answered through vim.ui.select', async () => {
  const w = await clientWorld();
  const nvim = await startNvim(w, DRIVER);
  try {
    const [, taskId] = await nvim.line(/^task (\S+)$/, 30_000);
    await w.eng.claim(taskId);
    await w.eng.connect(taskId);
    const joined = await w.eng.waitFor('engineer_connected');
    const engineer = joined.payload.engineer.name;
    await w.eng.say('bad\x1b]2;pwned\x07 \u202erev\x9b2J\nAllow? (y/n)');
    await w.eng.say('hello from the engineer');
    const msg = await w.eng.waitFor('customer_message', (e) => e.payload.text === 'hi from neovim', 30_000);
    assert.is(msg.payload.text, 'hi from neovim');
    w.eng.socket!.cursor = 0; // the two messages may arrive in either order
    await w.eng.waitFor('customer_message', (e) => e.payload.text === 'typed in the chat', 30_000);

    const ok = await w.eng.requestCommand('echo from-nvim', 'see the output');
    w.eng.socket!.cursor = 0;
    assert.is((await w.eng.waitFor('command_decision', (e) => e.payload.requestId === ok, 30_000)).payload.decision, 'allow');
    w.eng.socket!.cursor = 0;
    assert.is((await w.eng.waitFor('command_result', (e) => e.payload.requestId === ok, 30_000)).payload.exitCode, 0);
    const out = w.eng.socket!.events.filter((e) => e.type === 'command_output' && e.payload.requestId === ok);
    assert.is(out.map((e: any) => e.payload.data).join(''), 'from-nvim\n');
    const no = await w.eng.requestCommand('rm -rf build', 'clean up');
    w.eng.socket!.cursor = 0;
    assert.is((await w.eng.waitFor('command_decision', (e) => e.payload.requestId === no, 30_000)).payload.decision, 'deny');

    // The prompt shows the command, the folder, the engineer and the reason.
    const [prompt] = await nvim.line(/^select .*echo from-nvim.*$/);
    assert.ok(prompt.includes(` in ${realpathSync(w.dir)}. `), prompt);
    assert.ok(prompt.includes(engineer) && prompt.includes('see the output'), prompt);

    await w.eng.endSession();
    await nvim.line(/^done$/, 30_000);
    const chat = nvim.lines.filter((l) => l.startsWith('chat ')).map((l) => l.slice(5));
    const has = (re: RegExp) => assert.ok(chat.some((l) => re.test(l)), `chat has no line ${re}:\n${chat.join('\n')}`);
    has(/^you: users cannot log in$/);
    has(new RegExp(`^\\[joined\\] ${engineer} connected$`));
    has(new RegExp(`^${engineer}: hello from the engineer$`));
    // Controls from the engineer are shown as escapes; a second line is indented under the name.
    assert.ok(chat.includes(`${engineer}: bad\\x1b]2;pwned\\x07 \\u202erev\\x9b2J`), chat.join('\n'));
    assert.ok(chat.includes(`${' '.repeat(engineer.length + 2)}Allow? (y/n)`), chat.join('\n'));
    has(/^you: hi from neovim$/);
    has(/^you: typed in the chat$/);
    has(/^\[request\] .* wants to run `echo from-nvim` in .*cvf-proj-.*\. Reason: see the output$/);
    has(/^\[allow\] echo from-nvim \(decided by customer\)$/);
    has(/^ {2}\| from-nvim$/);
    has(new RegExp(`^\\[finished\\] ${ok} exit 0$`));
    has(/^\[deny\] rm -rf build \(decided by customer\)$/);
    has(/^\[session ended\] /);
    assert.is(await nvim.exitCode(), 0);
  } finally {
    nvim.kill();
    await w.cleanup();
  }
});

/** Runs :CodeVF subcommands one after another, printing each vim.notify message. */
const NOTIFY_DRIVER = (commands: string[]) => `
local function emit(s) io.stdout:write(s .. '\\n'); io.stdout:flush() end
require('codevf').setup({ cmd = { ${JSON.stringify(process.execPath)}, ${JSON.stringify(join(REPO, 'dist/codevf-agent.js'))} } })
local queue = vim.fn.json_decode(${JSON.stringify(JSON.stringify(commands))})
local function next_command()
  if #queue == 0 then emit('done'); return vim.cmd('qa!') end
  vim.cmd('CodeVF ' .. table.remove(queue, 1))
end
vim.notify = function(msg) emit('notify ' .. msg); vim.schedule(next_command) end
vim.defer_fn(function() emit('timeout'); vim.cmd('cquit!') end, 60000)
next_command()
`;

test('Neovim plugin: :CodeVF status names the signed-in user, :CodeVF sync outside a project says why it failed', async () => {
  const w = await clientWorld();
  const nvim = await startNvim(w, NOTIFY_DRIVER(['status', 'sync', 'bogus']));
  try {
    await nvim.line(/^done$/, 30_000);
    const notes = nvim.lines.filter((l) => l.startsWith('notify ')).map((l) => l.slice(7));
    assert.is(notes.length, 3, notes.join('\n'));
    assert.match(notes[0], new RegExp(`^codevf: signed in as \\S+@\\S+ \\(${w.sb.url.replace(/[.]/g, '\\.')}\\); no task$`));
    assert.match(notes[1], /^codevf: sync failed: No CodeVF project found\. Please run: codevf init$/, notes[1]);
    assert.match(notes[2], /^codevf: usage: :CodeVF ai\|end\|fix\|human\|hybrid\|login\|say\|status\|sync$/);
    assert.is(await nvim.exitCode(), 0);
  } finally {
    nvim.kill();
    await w.cleanup();
  }
});

test('Neovim plugin: every request kind in schemas/kinds.json has a handler, and a kind without one is reported', () => {
  if (NVIM.status !== 0) throw new Error('nvim is not installed (apt-get install -y neovim)');
  const lua = `
local approvals, methods = require('codevf.approvals'), require('codevf.methods')
local kinds = methods.kinds()
io.stdout:write('real ' .. vim.json.encode(approvals.unhandled(kinds)) .. '\\n')
kinds.delete = { answer = 'answerDelete' }
kinds.screenshare = { answer = 'answerScreenshare' }
io.stdout:write('extra ' .. vim.json.encode(approvals.unhandled(kinds)) .. '\\n')`;
  const r = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '--cmd', `set rtp^=${PLUGIN}`, '-c', `lua ${lua.replace(/\n/g, ' ')}`, '-c', 'qa!'],
    { encoding: 'utf8', cwd: REPO, timeout: 30_000 });
  const out = `${r.stdout}${r.stderr}`;
  assert.match(out, /real \{\}|real \[\]/, out);
  // An unknown kind, and a shown kind that became asked, are both reported.
  assert.match(out, /extra \["delete","screenshare"\]/, out);
});

test.run();
