-- POST JSON bodies: wrk -s post.lua URL -- <path> <api key> <bodies file | "register:<grantor json file>">
-- "register:" builds a registration of 5 livestock items with ear tags no other request uses.
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
require("common")
local path, headers, bodies, grantor
local n = 0

function init(args)
  math.randomseed(os.time() + tid * 7919)
  path = args[1]
  headers = bench_headers(args[2])
  if args[3]:sub(1, 9) == "register:" then
    grantor = lines_of(args[3]:sub(10))[1]
  else
    bodies = lines_of(args[3])
  end
end

local function registration()
  n = n + 1
  local items = {}
  for i = 1, 5 do
    local tag = string.format("1330106%08d", 90000000 + tid * 1000000 + n * 5 + i)
    items[i] = '{"kind": "livestock", "species": "pig", "ear_tags": ["' .. tag ..
      '"], "head_count": 1, "farm": "Bench farm"}'
  end
  return '{"grantor": ' .. grantor .. ', "collateral": [' .. table.concat(items, ", ") ..
    '], "period_years": 1, "secured_amount": "1000000.00", "currency": "CNY"}'
end

function request()
  local body = grantor and registration() or bodies[math.random(#bodies)]
  return wrk.format("POST", path, headers, body)
end
