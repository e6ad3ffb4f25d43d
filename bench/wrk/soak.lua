-- wrk script for bench/soak.py: a mixed plan of requests, some with a learner's cookie,
-- with counts, statuses and latency for each kind of request.
--
--   wrk -t16 -c16 -d300s -s bench/wrk/soak.lua http://127.0.0.1:8000 -- plan.tsv 16
--
-- The plan file has one request a line: "kind<TAB>path<TAB>cookie" (the cookie may be
-- empty); the second argument is wrk's thread count, which a script cannot ask wrk.
-- Thread t of T takes lines t+1, t+1+T, t+1+2T ... and cycles through them.
-- Run with as many threads as connections: each thread then has one connection, a
-- response always answers that thread's last request, and so each response is
-- counted, timed (with a monotonic clock through LuaJIT's FFI) and checked under its
-- own kind. Anything but a 200 is a failure, recorded with its path. done() prints
-- "result" lines for bench/load.py's wrk_results and "kind" lines for bench/soak.py.
--
-- thread:get copies flat tables only (wrk 4.1's copy of a nested table corrupts the
-- stack and crashes), so each kind's latencies are a global of their own, samples_<kind>.

-- The "result" lines every script of the bench prints, from results.lua beside this file.
dofile(debug.getinfo(1, "S").source:sub(2):match("^(.*/)") .. "results.lua")

local ffi = require("ffi")
ffi.cdef [[
   typedef struct { long tv_sec; long tv_nsec; } soak_timespec;
   int clock_gettime(int clock, soak_timespec *now);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("soak_timespec")

local function now_us()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
   return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

local threads = {}

function setup(thread)
   thread:set("number", #threads)
   table.insert(threads, thread)
end

function init(args)
   local plan, total = args[1], tonumber(args[2])
   requests, kinds, paths = {}, {}, {}
   local index = 0
   for line in io.lines(plan) do
      local kind, path, cookie = line:match("^([^\t]*)\t([^\t]*)\t?(.*)$")
      if kind and index % total == number then
         local headers = {}
         if cookie ~= "" then headers["Cookie"] = cookie end
         table.insert(requests, wrk.format("GET", path, headers))
         table.insert(kinds, kind)
         table.insert(paths, path)
      end
      if kind then index = index + 1 end
   end
   if #requests == 0 then
      error("soak.lua: thread " .. number .. " has no requests in " .. plan)
   end
   position = 0
   started = nil
   counts, bad, failures = {}, {}, {}
   distinct_failures = 0
end

function request()
   position = position % #requests + 1
   started = now_us()
   return requests[position]
end

function response(status, headers, body)
   local kind = kinds[position]
   if started then
      local name = "samples_" .. kind
      local list = _G[name]
      if not list then
         list = {}
         _G[name] = list
      end
      list[#list + 1] = now_us() - started
      started = nil
   end
   counts[kind] = (counts[kind] or 0) + 1
   if status ~= 200 then
      bad[kind] = (bad[kind] or 0) + 1
      local key = status .. " " .. paths[position]
      if not failures[key] and distinct_failures < 20 then
         failures[key] = 0
         distinct_failures = distinct_failures + 1
      end
      if failures[key] then failures[key] = failures[key] + 1 end
   end
end

local function percentile(sorted, p)
   if #sorted == 0 then return 0 end
   local rank = math.max(1, math.ceil(p / 100 * #sorted))
   return sorted[rank]
end

function done(summary, latency, requests)
   write_results(summary, latency)
   local all_counts, all_samples, all_bad, all_failures = {}, {}, {}, {}
   for _, thread in ipairs(threads) do
      for kind, n in pairs(thread:get("counts")) do
         all_counts[kind] = (all_counts[kind] or 0) + n
      end
      for kind, n in pairs(thread:get("bad")) do
         all_bad[kind] = (all_bad[kind] or 0) + n
      end
      for key, n in pairs(thread:get("failures")) do
         all_failures[key] = (all_failures[key] or 0) + n
      end
   end
   for _, thread in ipairs(threads) do
      for kind, _ in pairs(all_counts) do
         local list = thread:get("samples_" .. kind)
         if list then
            local into = all_samples[kind] or {}
            all_samples[kind] = into
            for _, value in ipairs(list) do into[#into + 1] = value end
         end
      end
   end
   local pooled, sum = {}, 0
   for kind, n in pairs(all_counts) do
      local sorted = all_samples[kind] or {}
      table.sort(sorted)
      io.write(string.format(
         "kind %s %d %d %.0f %.0f %.0f %.0f\n", kind, n, all_bad[kind] or 0,
         percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99),
         sorted[#sorted] or 0))
      for _, value in ipairs(sorted) do
         pooled[#pooled + 1] = value
         sum = sum + value
      end
   end
   -- Every kind together, timed the same way, beside wrk's own figures.
   table.sort(pooled)
   io.write(string.format(
      "pooled %d %.0f %.0f %.0f %.0f %.1f\n", #pooled, percentile(pooled, 50),
      percentile(pooled, 90), percentile(pooled, 99), pooled[#pooled] or 0,
      #pooled > 0 and sum / #pooled or 0))
   for key, n in pairs(all_failures) do
      io.write(string.format("failure %d %s\n", n, key))
   end
end
