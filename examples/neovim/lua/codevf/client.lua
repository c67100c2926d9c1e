-- The agent process over vim.lsp.rpc (Content-Length framing), for Neovim 0.7 and current releases.
local config = require('codevf.config')
local methods = require('codevf.methods')

local M = {}
local rpc = nil
local ready = false
local waiting = {}
local handlers = {}

--- vim.lsp.rpc.start: 0.7-0.9 take (cmd, args, dispatchers, spawn); 0.10+ take (cmd_list, dispatchers, spawn).
local function start_rpc(cmd, dispatchers, spawn)
  if vim.fn.has('nvim-0.10') == 1 then
    return vim.lsp.rpc.start(cmd, dispatchers, spawn)
  end
  return vim.lsp.rpc.start(cmd[1], vim.list_slice(cmd, 2), dispatchers, spawn)
end

--- Registers fn(params) for a notification, by its generated type name.
function M.on(type_name, fn)
  handlers[methods.name(type_name)] = fn
end

local function dispatchers()
  return {
    notification = function(method, params)
      local fn = handlers[method]
      if fn then
        fn(params)
      end
    end,
    on_exit = function(code, signal)
      rpc, ready, waiting = nil, false, {}
      vim.schedule(function()
        vim.notify(('codevf: the agent exited (code %s, signal %s)'):format(code, signal), vim.log.levels.WARN)
      end)
    end,
  }
end

--- Starts the agent and sends initialize once; calls queued before that run after it.
local function start()
  local spawn = { cwd = vim.fn.getcwd(), env = config.options.env }
  rpc = start_rpc(config.options.cmd, dispatchers(), spawn)
  vim.api.nvim_create_autocmd('VimLeavePre', { once = true, callback = M.stop })
  local params = {
    clientInfo = { name = 'codevf.nvim', version = '0.1.0' },
    capabilities = { approvals = true, openBrowser = true },
  }
  rpc.request(methods.name('Initialize'), params, function(err)
    if err then
      vim.notify('codevf: initialize failed: ' .. tostring(err.message), vim.log.levels.ERROR)
      return
    end
    rpc.notify(methods.name('Initialized'), vim.empty_dict())
    ready = true
    for _, fn in ipairs(waiting) do
      fn()
    end
    waiting = {}
  end)
end

--- Sends a request (by type name) once the agent is ready; cb(err, result) runs on the main loop.
function M.request(type_name, params, cb)
  local method = methods.name(type_name)
  local send = function()
    -- Scheduled here too: not every Neovim release runs response callbacks on the main loop.
    rpc.request(method, params or vim.empty_dict(), vim.schedule_wrap(function(err, result)
      if cb then
        cb(err, result)
      elseif err then
        vim.notify('codevf: ' .. tostring(err.message), vim.log.levels.ERROR)
      end
    end))
  end
  if not rpc then
    start()
  end
  if ready then
    send()
  else
    table.insert(waiting, send)
  end
end

--- Stops the agent (it kills running commands and saves the session for resumeTask).
function M.stop()
  if rpc then
    rpc.terminate()
    rpc = nil
  end
end

return M
