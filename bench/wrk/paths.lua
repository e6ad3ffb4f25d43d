-- wrk script for bench/load.py: cycle through the paths given after "--", and count
-- every response by status (wrk's own error count lets 3xx redirects through).
--
--   wrk -t1 -c16 -d20s --latency -s bench/wrk/paths.lua http://127.0.0.1:8000 -- /a "/b?q=x"
--
-- Each connection takes the next path in turn, so a mix of N paths is requested
-- about equally often. done() prints "result" lines that bench/load.py reads.

-- The "result" lines every script of the bench prints, from results.lua beside this file.
dofile(debug.getinfo(1, "S").source:sub(2):match("^(.*/)") .. "results.lua")

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   prepared = {}
   for _, path in ipairs(args) do
      table.insert(prepared, wrk.format("GET", path))
   end
   if #prepared == 0 then
      table.insert(prepared, wrk.format("GET", wrk.path))
   end
   position = 0
   statuses = {}
end

function request()
   position = position % #prepared + 1
   return prepared[position]
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   write_results(summary, latency)
   local counted = {}
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses")) do
         counted[status] = (counted[status] or 0) + count
      end
   end
   for status, count in pairs(counted) do
      io.write(string.format("result status_%d %d\n", status, count))
   end
end
