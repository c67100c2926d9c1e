-- CodeVF: a live human engineer from Neovim. Load guard and the :CodeVF command only; the work is in lua/codevf/.
if vim.g.loaded_codevf then
  return
end
vim.g.loaded_codevf = true

vim.api.nvim_create_user_command('CodeVF', function(opts)
  require('codevf').run(opts.args)
end, {
  nargs = '*',
  desc = 'CodeVF: login | fix {issue} | say {text} | sync | status | end',
  complete = function(arg_lead)
    return vim.tbl_filter(function(s)
      return s:find(arg_lead, 1, true) == 1
    end, require('codevf').subcommands())
  end,
})
