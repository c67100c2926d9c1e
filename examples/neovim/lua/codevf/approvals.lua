-- Engineer requests answered with vim.ui.select, one at a time: what, where, who and why.
local chat = require('codevf.chat')
local client = require('codevf.client')

local M = {}
local queue = {}
local showing = false
local settled = {}
local labels = {}

local CHOICES = {
  command = {
    { label = 'Allow once', decision = 'allow', scope = 'once' },
    { label = 'Allow for this session (this exact command)', decision = 'allow', scope = 'session' },
    { label = 'Deny', decision = 'deny' },
  },
  file = {
    { label = 'Allow once', decision = 'allow' },
    { label = 'Deny', decision = 'deny' },
  },
  -- A never-share file is shared only on an explicit, per-file choice.
  never_share = {
    { label = 'Share this one file anyway', decision = 'allow', override = true },
    { label = 'Deny', decision = 'deny' },
  },
}

--- The prompt: the command or path, the folder, the engineer and the reason.
function M.prompt(req)
  local who = req.engineer ~= vim.NIL and req.engineer or 'The engineer'
  if req.type == 'command' then
    return ('%s wants to run `%s` in %s. Reason: %s'):format(who, req.command, req.workingDirectory, req.reason)
  end
  local warn = req.neverShare ~= vim.NIL and req.neverShare and (' (never-share: %s)'):format(req.neverShare) or ''
  return ('%s wants to read %s%s in %s. Reason: %s'):format(who, req.path, warn, vim.fn.getcwd(), req.reason)
end

--- Sends the chosen answer unless the request was settled meanwhile (timeout, policy).
local function answer(req, choice)
  if settled[req.requestId] then
    return chat.append('[expired] ', (req.command or req.path) .. ' was already settled')
  end
  local done = function(err)
    if not err then return end
    chat.append('[error] ', err.message)
    if err.data and (err.data.reason == 'scope_not_allowed' or err.data.reason == 'never_share') then
      M.ask(req, true) -- still open on the agent's side: ask again
    end
  end
  if req.type == 'command' then
    client.request('ApproveCommand', { requestId = req.requestId, decision = choice.decision, scope = choice.scope or 'once' }, done)
  else
    client.request('UploadFile', { requestId = req.requestId, decision = choice.decision, override = choice.override or false }, done)
  end
end

local function show_next()
  if showing or #queue == 0 then
    return
  end
  local req = table.remove(queue, 1)
  if settled[req.requestId] then
    return show_next()
  end
  showing = true
  local never = req.type == 'file' and req.neverShare ~= vim.NIL and req.neverShare
  local choices = CHOICES[never and 'never_share' or req.type]
  local opts = { prompt = 'CodeVF: ' .. M.prompt(req), kind = 'codevf.request', codevf_request = req,
    format_item = function(c) return c.label end }
  vim.ui.select(choices, opts, function(choice)
    showing = false
    answer(req, choice or choices[#choices]) -- dismissed: deny
    show_next()
  end)
end

--- A request_command / request_file notification: record it in the chat (unless asked again) and ask.
function M.ask(req, again)
  labels[req.requestId] = req.command or req.path
  if not again then
    chat.append('[request] ', M.prompt(req))
  end
  table.insert(queue, req)
  vim.schedule(show_next)
end

--- A request_resolved notification: note who decided; a queued prompt for it is dropped.
function M.resolved(p)
  settled[p.requestId] = true
  chat.append('[' .. p.decision .. '] ', ('%s (decided by %s)'):format(labels[p.requestId] or p.requestId, p.decidedBy))
end

return M
