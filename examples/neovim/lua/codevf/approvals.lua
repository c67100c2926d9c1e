-- Engineer requests answered with vim.ui.select, one at a time: what, where, who and why.
-- One entry per request kind in M.kinds; schemas/kinds.json lists the kinds, and a test fails when one
-- listed there has no entry here.
local chat = require('codevf.chat')
local client = require('codevf.client')
local text = require('codevf.text')
local diffview = require('codevf.diffview')

local M = {}
local queue = {}
local showing = false
local settled = {}
local labels = {}

local function present(v)
  return v ~= nil and v ~= vim.NIL and v
end

--- Who asks, never ambiguous: an AI agent is always named as an AI.
local function who(req)
  local r = present(req.requester)
  if r and r.type == 'ai' then
    return (present(r.name) or 'The AI agent') .. ' (AI)'
  end
  return present(req.engineer) or 'The engineer'
end

M.kinds = {
  command = {
    label = function(req) return req.command end,
    prompt = function(req)
      return ('%s wants to run `%s` in %s. Reason: %s'):format(who(req), req.command, req.workingDirectory, req.reason)
    end,
    choices = function()
      return {
        { label = 'Allow once', decision = 'allow', scope = 'once' },
        { label = 'Allow for this session (this exact command)', decision = 'allow', scope = 'session' },
        { label = 'Deny', decision = 'deny' },
      }
    end,
    answer = function(req, choice, done)
      client.request('ApproveCommand', { requestId = req.requestId, decision = choice.decision, scope = choice.scope or 'once' }, done)
    end,
  },
  file = {
    label = function(req) return req.path end,
    prompt = function(req)
      local never = present(req.neverShare)
      local warn = never and (' (never-share: %s)'):format(never) or ''
      return ('%s wants to read %s%s in %s. Reason: %s'):format(who(req), req.path, warn, vim.fn.getcwd(), req.reason)
    end,
    choices = function(req)
      -- A never-share file is shared only on an explicit, per-file choice.
      if present(req.neverShare) then
        return { { label = 'Share this one file anyway', decision = 'allow', override = true }, { label = 'Deny', decision = 'deny' } }
      end
      return { { label = 'Allow once', decision = 'allow' }, { label = 'Deny', decision = 'deny' } }
    end,
    answer = function(req, choice, done)
      client.request('UploadFile', { requestId = req.requestId, decision = choice.decision, override = choice.override or false }, done)
    end,
  },
  write = {
    label = function(req) return req.path end,
    prompt = function(req)
      return ('%s proposes a change to %s%s (diff sha256 %s…, shown in the split). Reason: %s'):format(who(req), req.path,
        req.newFile and ' (new file)' or '', req.diffSha256:sub(1, 12), req.reason)
    end,
    -- The diff is open in its own window while the question is asked.
    view = function(req) return diffview.show(req) end,
    choices = function()
      return { { label = 'Apply this change', decision = 'allow' }, { label = 'Deny', decision = 'deny' } }
    end,
    answer = function(req, choice, done)
      client.request('ApproveWrite', { requestId = req.requestId, decision = choice.decision }, done)
    end,
  },
  -- Shown, never asked: a link the customer may open themselves.
  screenshare = {
    shown = function(req) chat.append('[screenshare] ', req.url) end,
  },
}

--- Kinds in `table_` (schemas/kinds.json's "kinds") that this module cannot show or ask.
function M.unhandled(table_)
  local missing = {}
  for kind, decl in pairs(table_) do
    local h = M.kinds[kind]
    local asked = decl.answer ~= nil and decl.answer ~= vim.NIL
    if not h or (asked and not (h.prompt and h.choices and h.answer and h.label)) or (not asked and not h.shown) then
      table.insert(missing, kind)
    end
  end
  table.sort(missing)
  return missing
end

--- The prompt: the command or path, the folder, the engineer and the reason.
--- (one line: the engineer's controls, line breaks and tabs shown as escapes).
function M.prompt(req)
  local prompt = text.neutralize(M.kinds[req.type].prompt(req))
  return (prompt:gsub('[\n\t]', function(c) return ('\\x%02x'):format(c:byte()) end))
end

--- Sends the chosen answer unless the request was settled meanwhile (timeout, policy).
local function answer(req, choice)
  if settled[req.requestId] then
    return chat.append('[expired] ', M.kinds[req.type].label(req) .. ' was already settled')
  end
  M.kinds[req.type].answer(req, choice, function(err)
    if not err then return end
    chat.append('[error] ', err.message)
    if err.data and (err.data.reason == 'scope_not_allowed' or err.data.reason == 'never_share') then
      M.ask(req, true) -- still open on the agent's side: ask again
    end
  end)
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
  local close = M.kinds[req.type].view and M.kinds[req.type].view(req) or function() end
  local choices = M.kinds[req.type].choices(req)
  local opts = { prompt = 'CodeVF: ' .. M.prompt(req), kind = 'codevf.request', codevf_request = req,
    format_item = function(c) return c.label end }
  vim.ui.select(choices, opts, function(choice)
    showing = false
    close()
    answer(req, choice or choices[#choices]) -- dismissed: deny
    show_next()
  end)
end

--- A request notification (req.type set to its kind): record it in the chat (unless asked again) and ask.
function M.ask(req, again)
  local kind = M.kinds[req.type]
  if kind.shown then
    return kind.shown(req)
  end
  labels[req.requestId] = kind.label(req)
  local refused = present(req.refused)
  if refused then
    -- Refused by the customer's own agent before anyone was asked: said, never asked.
    settled[req.requestId] = true
    return chat.append('[refused by your agent] ', ('%s: %s'):format(kind.label(req), refused.message))
  end
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
