-- The live task: notifications into the chat buffer, and the requests behind :CodeVF fix / say / end.
local approvals = require('codevf.approvals')
local chat = require('codevf.chat')
local client = require('codevf.client')
local methods = require('codevf.methods')

local M = { task_id = nil, engineer = nil, status = nil }
local wired = false

local function with_type(kind, fn)
  return function(p)
    p.type = kind
    fn(p)
  end
end

--- Registers the notification handlers once.
local function wire()
  if wired then
    return
  end
  wired = true
  client.on('EngineerConnected', function(p)
    M.engineer, M.status = p.engineer.name, 'active'
    chat.append('[joined] ', p.engineer.name .. ' connected')
  end)
  client.on('EngineerDisconnected', function(p) chat.append('[left] ', p.engineer.name .. ' disconnected') end)
  client.on('EngineerMessage', function(p) chat.append((M.engineer or 'engineer') .. ': ', p.text) end)
  -- The AI's words under its own label, never a person's name.
  client.on('AiMessage', function(p) chat.append('AI · ' .. p.aiTitle .. ': ', p.text) end)
  client.on('AiState', function(p)
    if p.state == 'stopped' and p.detail ~= vim.NIL then chat.append('[AI stopped] ', p.detail) end
  end)
  client.on('Handoff', function(p)
    chat.append('[hand-off] ', ('to a human engineer (%s); the engineer sees %d transcript entries'):format(p.reason:gsub('_', ' '), #p.transcript))
  end)
  local kinds = methods.kinds()
  local missing = approvals.unhandled(kinds)
  if #missing > 0 then
    vim.notify('codevf: this plugin cannot handle requests of kind ' .. table.concat(missing, ', ') .. '; they will be denied when they time out', vim.log.levels.WARN)
  end
  for kind, decl in pairs(kinds) do
    if approvals.kinds[kind] then
      client.on(decl.notificationType, with_type(kind, approvals.ask))
    end
  end
  client.on('RequestResolved', approvals.resolved)
  client.on('CommandOutput', function(p) chat.append('  | ', (p.data:gsub('\n$', ''))) end)
  client.on('CommandFinished', function(p)
    chat.append('[finished] ', ('%s exit %s'):format(p.requestId, tostring(p.exitCode)))
  end)
  client.on('SessionEnd', function(p)
    M.status = 'ended'
    chat.append('[session ended] ', ('%d minutes, %d credits'):format(p.minutes, p.creditsUsed))
  end)
end

--- :CodeVF fix {issue} (or ai / hybrid {issue}): creates the task in the current folder and opens the chat.
function M.fix(description, mode)
  wire()
  chat.open()
  chat.append('you: ', description)
  client.request('CreateTask', { description = description, cwd = vim.fn.getcwd(), mode = mode }, function(err, r)
    if err then
      return chat.append('[error] ', err.message)
    end
    M.task_id, M.status = r.taskId, r.status
    local ai = r.mode ~= nil and r.mode ~= vim.NIL and r.mode ~= 'human' and r.aiTool ~= vim.NIL and r.aiTool
    chat.append('[task] ', r.taskId .. (ai and (' with the AI agent ' .. ai) or ' waiting for an engineer'))
  end)
end

--- :CodeVF say {text}: a message to the engineer (without text: asks for it).
function M.say(text)
  if not M.task_id then
    return vim.notify('codevf: no task yet; start one with :CodeVF fix {issue}', vim.log.levels.WARN)
  end
  if not text or text == '' then
    return vim.ui.input({ prompt = 'Message to the engineer: ' }, function(t)
      if t and t ~= '' then M.say(t) end
    end)
  end
  client.request('SendMessage', { taskId = M.task_id, text = text }, function(err)
    chat.append(err and '[not sent] ' or 'you: ', err and err.message or text)
  end)
end

--- :CodeVF human: hands an AI session to a human engineer with the AI transcript.
function M.human()
  if not M.task_id then
    return vim.notify('codevf: no task', vim.log.levels.WARN)
  end
  client.request('Escalate', { taskId = M.task_id }, function(err)
    if err then chat.append('[error] ', err.message) end
  end)
end

--- :CodeVF end: ends the session and shows the summary.
function M.finish()
  if not M.task_id then
    return vim.notify('codevf: no task', vim.log.levels.WARN)
  end
  client.request('EndSession', { taskId = M.task_id }, function(err, r)
    if err then
      return chat.append('[error] ', err.message)
    end
    M.status = 'ended'
    chat.append('[session ended] ', ('%d minutes, %d credits'):format(r.minutes, r.creditsUsed))
  end)
end

return M
