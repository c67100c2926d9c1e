-- Options, set once through require('codevf').setup({...}).
local M = {}

--- Defaults; every key can be overridden in setup().
M.defaults = {
  -- The agent's command line, as a list (started through vim.lsp.rpc.start).
  cmd = { 'codevf-agent' },
  -- Extra environment for the agent (e.g. { CODEVF_HOST = 'http://127.0.0.1:4780' }).
  env = nil,
  -- schemas/methods.json; nil: $CODEVF_METHODS, then next to the agent, then this repository's copy.
  methods_file = nil,
  -- How the chat buffer opens: a command run before showing it.
  open_chat = 'botright 12split',
}

M.options = vim.deepcopy(M.defaults)

--- Merges user options over the defaults.
function M.setup(opts)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
end

return M
