-- CodeVF for Neovim: :CodeVF login | fix {issue} | ai {issue} | hybrid {issue} | human | say {text} | sync | status | end.
local client = require('codevf.client')
local config = require('codevf.config')
local session = require('codevf.session')

local M = {}

local function report(what)
  return function(err, r)
    if err then
      return vim.notify(('codevf: %s failed: %s'):format(what, err.message), vim.log.levels.ERROR)
    end
    vim.notify('codevf: ' .. r, vim.log.levels.INFO)
  end
end

--- :CodeVF login: device flow; the code and URL are shown, the browser opened when possible.
local function login()
  client.on('LoginCode', function(p)
    vim.notify(('codevf: open %s and enter %s'):format(p.verificationUri, p.userCode), vim.log.levels.WARN)
  end)
  client.request('Login', { openBrowser = true }, function(err, r)
    report('login')(err, r and ('signed in as %s'):format(r.user and r.user.email or '?'))
  end)
end

--- :CodeVF status: who is signed in, and the task.
local function status()
  client.request('AuthStatus', vim.empty_dict(), function(err, r)
    if err then
      return report('status')(err)
    end
    local who = r.signedIn and ('signed in as %s (%s)'):format(r.user.email, r.host) or 'not signed in'
    local task = session.task_id and ('; task %s %s%s'):format(session.task_id, session.status,
      session.engineer and (' with ' .. session.engineer) or '') or '; no task'
    vim.notify('codevf: ' .. who .. task, vim.log.levels.INFO)
  end)
end

--- :CodeVF sync: records the codevf branch and HEAD with the backend.
local function sync()
  client.request('Sync', { cwd = vim.fn.getcwd() }, function(err, r)
    report('sync')(err, r and ('synced %s at %s'):format(r.branch, r.headCommit:sub(1, 12)))
  end)
end

local COMMANDS = {
  login = login,
  status = status,
  sync = sync,
  fix = function(rest) if rest == '' then error('usage: :CodeVF fix {issue}') end session.fix(rest) end,
  ai = function(rest) if rest == '' then error('usage: :CodeVF ai {issue}') end session.fix(rest, 'ai') end,
  hybrid = function(rest) if rest == '' then error('usage: :CodeVF hybrid {issue}') end session.fix(rest, 'hybrid') end,
  human = function() session.human() end,
  say = function(rest) session.say(rest) end,
  ['end'] = function() session.finish() end,
}

--- Subcommand names, for completion.
function M.subcommands()
  local names = vim.tbl_keys(COMMANDS)
  table.sort(names)
  return names
end

--- Runs a :CodeVF subcommand; the rest of the line, as typed, is its argument.
function M.run(args)
  local sub, rest = args:match('^%s*(%S*)%s*(.-)%s*$')
  local fn = COMMANDS[sub]
  if not fn then
    return vim.notify('codevf: usage: :CodeVF ' .. table.concat(M.subcommands(), '|'), vim.log.levels.ERROR)
  end
  local ok, err = pcall(fn, rest)
  if not ok then
    vim.notify(tostring(err), vim.log.levels.ERROR)
  end
end

--- Options (see lua/codevf/config.lua).
function M.setup(opts)
  config.setup(opts)
end

return M
