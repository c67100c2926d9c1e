-- Remote text made harmless before it is shown: the same rule as protocol/terminal-text.ts. Controls (but
-- tab and line feed), DEL, C1, bidi, zero-width and tag characters become visible escapes (\x1b, \u202e).
local M = {}

local function byte_escape(c) return ('\\x%02x'):format(c:byte()) end

--- The code point of one UTF-8 sequence of 2 to 4 bytes.
local function decode(s)
  local b = { s:byte(1, -1) }
  if #b == 2 then return (b[1] % 32) * 64 + b[2] % 64 end
  if #b == 3 then return (b[1] % 16) * 4096 + (b[2] % 64) * 64 + b[3] % 64 end
  return (b[1] % 8) * 262144 + (b[2] % 64) * 4096 + (b[3] % 64) * 64 + b[4] % 64
end

local function cp_escape(s)
  local cp = decode(s)
  if cp <= 0xff then return ('\\x%02x'):format(cp) end
  if cp <= 0xffff then return ('\\u%04x'):format(cp) end
  return ('\\u{%x}'):format(cp)
end

-- UTF-8 forms: U+0080-U+009F and U+00AD, U+061C, U+180E, U+200B-U+200F, U+2028-U+202E, U+2060-U+206F,
-- U+FEFF, U+FFF9-U+FFFB, U+E0000-U+E007F.
local UNICODE = {
  '\194[\128-\159\173]', '\216\156', '\225\160\142', '\226\128[\139-\143\168-\174]', '\226\129[\160-\175]',
  '\239\187\191', '\239\191[\185-\187]', '\243\160[\128\129][\128-\191]',
}

--- Text with every control and invisible character shown as an escape; keeps "\n" and "\t".
function M.neutralize(text)
  local s = tostring(text):gsub('[%z\1-\8\11-\31\127]', byte_escape)
  for _, pattern in ipairs(UNICODE) do s = s:gsub(pattern, cp_escape) end
  return s
end

return M
