-- A proposed change shown before it is answered: the unified diff in a scratch split (filetype diff, so
-- added and removed lines are coloured), closed once the change is answered.
local M = {}

--- Opens the diff of a write request; returns a function that closes it.
function M.show(req)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(buf, 'codevf://diff/' .. req.requestId)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split((req.diff:gsub('\n$', '')), '\n', { plain = true }))
  vim.bo[buf].filetype = 'diff'
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = 'wipe'
  local prev = vim.api.nvim_get_current_win()
  vim.cmd('botright split')
  vim.api.nvim_win_set_buf(0, buf)
  vim.api.nvim_set_current_win(prev)
  return function()
    if vim.api.nvim_buf_is_valid(buf) then vim.api.nvim_buf_delete(buf, { force = true }) end
  end
end

--- The diff buffer of a request, if it is open (for tests and statuslines).
function M.buf(request_id)
  local b = vim.fn.bufnr('codevf://diff/' .. request_id)
  return b ~= -1 and b or nil
end

return M
