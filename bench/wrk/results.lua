-- What every wrk script of the bench prints at the end: wrk's own summary as "result"
-- lines (requests, duration, bytes, each kind of socket error, latency percentiles),
-- which bench/load.py's wrk_results reads. Loaded with dofile by paths.lua and soak.lua.

function write_results(summary, latency)
   local errors = summary.errors
   io.write(string.format("result requests %d\n", summary.requests))
   io.write(string.format("result duration_us %d\n", summary.duration))
   io.write(string.format("result bytes %d\n", summary.bytes))
   for _, kind in ipairs({"connect", "read", "write", "status", "timeout"}) do
      io.write(string.format("result error_%s %d\n", kind, errors[kind]))
   end
   for _, p in ipairs({50, 90, 99}) do
      io.write(string.format("result latency_p%d_us %d\n", p, latency:percentile(p)))
   end
   io.write(string.format("result latency_max_us %d\n", latency.max))
   io.write(string.format("result latency_mean_us %.1f\n", latency.mean))
end
