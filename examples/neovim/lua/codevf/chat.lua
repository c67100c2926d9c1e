-- The chat buffer: the engineer's messages, yours, requests and decisions, one line each.
local config = require('codevf.config')
local neutralize = require('codevf.text').neutralize

local M = {}
local NAME = 'codevf://chat'

--- The chat buffer, created on first use.
function M.buf()
  local existing = vim.fn.bufnr(NAME)
  if existing ~= -1 and vim.api.nvim_buf_is_valid(existing) then
    return existing
  end
  local buf = vim.api.nvim_create_buf(true, true)
  vim.api.nvim_buf_set_name(buf, NAME)
  vim.bo[buf].filetype = 'codevf'
  vim.bo[buf].modifiable = false
  -- The buffer is read-only; typing in it means "write to the engineer".
  for _, key in ipairs({ 'i', 'a', 'o', '<CR>' }) do
    vim.keymap.set('n', key, function() require('codevf.session').say() end, { buffer = buf, desc = 'CodeVF: message the engineer' })
  end
  return buf
end

--- Shows the chat in a window unless one already does.
function M.open()
  local buf = M.buf()
  if vim.fn.bufwinnr(buf) == -1 then
    vim.cmd(config.options.open_chat)
    vim.api.nvim_win_set_buf(0, buf)
  end
end

--- Appends text (split on line breaks, controls shown as escapes), prefix on the first line and the
--- next ones indented under it, so no line of remote text can pass for the plugin's own; scrolls windows showing it.
function M.append(prefix, text)
  local buf = M.buf()
  local lines = vim.split(neutralize(text), '\n', { plain = true })
  for i = 2, #lines do lines[i] = (' '):rep(#prefix) .. lines[i] end
  lines[1] = prefix .. lines[1]
  local empty = vim.api.nvim_buf_line_count(buf) == 1 and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == ''
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, empty and 0 or -1, -1, false, lines)
  vim.bo[buf].modifiable = false
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(buf), 0 })
  end
end

--- Every line of the chat (tests and status use it).
function M.lines()
  return vim.api.nvim_buf_get_lines(M.buf(), 0, -1, false)
end

return M
