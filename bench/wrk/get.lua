-- GET a random path from a file: wrk -s get.lua URL -- <paths file> <api key>
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
require("common")
local paths, headers

function init(args)
  math.randomseed(os.time() + tid * 7919)
  paths = lines_of(args[1])
  headers = bench_headers(args[2])
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
