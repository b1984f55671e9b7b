-- wrk script: overload with large OIP requests (ROWS rows of the demo model, default 5000: ~80 KB, parsed on
-- workers). ./pier bench overload runs it at 512 connections beside a one-connection health probe, as
--   ROWS=5000 wrk -t2 -c512 -d30s --timeout 5s --latency -s tests/load/overload.lua http://127.0.0.1:PORT
-- and prints one line: "overload rows=<n> req/s= ok= non-2xx= timeouts= p50_ms= p95_ms= p99_ms=" (latency over
-- every answer, refused or served; non-2xx are the 429s).
local rows = tonumber(os.getenv("ROWS") or "5000")
local data = {}
for i = 1, rows do
  data[#data + 1] = string.format("5.1,3.5,1.4,%.1f", (i % 7) * 0.1)
end
wrk.method = "POST"
wrk.path = "/v2/models/demo/infer"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"inputs":[{"name":"input","datatype":"FP32","shape":[' .. rows .. ',4],"data":[' .. table.concat(data, ",") .. ']}]}'

-- Refusals are counted from wrk's own non-2xx tally (the server answers 200 or 429 here; anything else would need
-- SHOW_ERRORS-style inspection): a Lua callback per response would cost wrk as much CPU as the server's JSON, on the
-- same two cores, and slow the very health probe this benchmark watches.
function done(summary, latency, requests)
  local refused = summary.errors.status
  io.write(string.format("overload rows=%d req/s=%.0f ok=%d non-2xx=%d timeouts=%d p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f\n",
      rows, summary.requests / (summary.duration / 1e6), summary.requests - refused, refused, summary.errors.timeout,
      latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
