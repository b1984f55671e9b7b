-- wrk script: OIP inference on the demo model (iris MLP, 4 FP32 features per row).
-- ROWS=<n> in the environment sends n rows per request (default 1). ./pier bench http runs it as
--   wrk -t2 -c32 -d20s --latency -s tests/load/infer.lua http://127.0.0.1:PORT          (single row)
--   ROWS=64 wrk -t2 -c32 -d20s --latency -s tests/load/infer.lua http://127.0.0.1:PORT  (batch of 64)
-- and prints, after wrk's own report, one line: "rows=<n> req/s=<r> rows/s=<r*n> p50_ms= p95_ms= p99_ms= errors="
-- (prefixed with $LABEL when set).
local rows = tonumber(os.getenv("ROWS") or "1")
local sample = {5.1, 3.5, 1.4, 0.2}
local data = {}
for i = 1, rows do
  for j = 1, 4 do
    data[#data + 1] = string.format("%.1f", sample[j] + (i % 7) * 0.1)
  end
end
wrk.method = "POST"
wrk.path = "/v2/models/demo/infer"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"inputs":[{"name":"input","datatype":"FP32","shape":[' .. rows .. ',4],"data":[' .. table.concat(data, ",") .. ']}]}'

-- wrk counts non-2xx answers itself (errors= below). Handing every response to Lua costs the load generator as
-- much CPU as the server spends on the request's JSON, and wrk shares the server's two cores: so only with
-- SHOW_ERRORS=1 are the first three unexpected answers printed.
if os.getenv("SHOW_ERRORS") then
  local bad = 0
  function response(status, headers, body)
    if status ~= 200 then
      bad = bad + 1
      if bad <= 3 then io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n") end
    end
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local rps = summary.requests / seconds
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout
  io.write(string.format((os.getenv("LABEL") or "") .. "rows=%d req/s=%.0f rows/s=%.0f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f errors=%d\n",
      rows, rps, rps * rows, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
      latency:percentile(99) / 1000, errors))
end
