-- Wire names of the agent's methods, read from the generated schemas/methods.json (never a hand-kept copy).
local config = require('codevf.config')

local M = {}
local by_type = nil

--- Folder of this plugin (examples/neovim), from this file's own path.
local function plugin_root()
  local source = debug.getinfo(1, 'S').source:sub(2)
  return vim.fn.fnamemodify(source, ':p:h:h:h')
end

--- Candidate locations of methods.json, most specific first.
local function candidates()
  local list = {}
  if config.options.methods_file then
    table.insert(list, config.options.methods_file)
  end
  if vim.env.CODEVF_METHODS and vim.env.CODEVF_METHODS ~= '' then
    table.insert(list, vim.env.CODEVF_METHODS)
  end
  -- An installed agent: <package>/dist/codevf-agent.js next to <package>/schemas/.
  for _, arg in ipairs(config.options.cmd) do
    local path = vim.fn.exepath(arg) ~= '' and vim.fn.exepath(arg) or arg
    if path:match('codevf%-agent') then
      table.insert(list, vim.fn.fnamemodify(vim.fn.resolve(path), ':p:h:h') .. '/schemas/methods.json')
    end
  end
  table.insert(list, plugin_root() .. '/../../schemas/methods.json')
  return list
end

--- The first readable candidate, decoded; `sibling` reads another file in the same schemas/ folder.
local function read(sibling)
  for _, file in ipairs(candidates()) do
    local path = sibling and (vim.fn.fnamemodify(file, ':h') .. '/' .. sibling) or file
    local f = io.open(path, 'r')
    if f then
      local doc = vim.json.decode(f:read('*a'))
      f:close()
      return doc
    end
  end
  error('codevf: cannot find schemas/' .. (sibling or 'methods.json') .. ' (tried ' .. table.concat(candidates(), ', ')
    .. '); set methods_file in setup()')
end

--- Loads the table once; errors name every place that was tried.
local function load()
  local map = {}
  for name, entry in pairs(read().methods) do
    map[entry.typeName] = name
  end
  return map
end

--- The request kinds (schemas/kinds.json): kind -> { notificationType, answerType, ... }.
function M.kinds()
  return read('kinds.json').kinds
end

--- The wire name for a generated type name, e.g. name('CreateTask') == 'createTask'.
function M.name(type_name)
  by_type = by_type or load()
  local wire = by_type[type_name]
  if not wire then
    error('codevf: the method table has no ' .. type_name)
  end
  return wire
end

return M
