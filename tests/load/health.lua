-- wrk script: GET /v2/health/ready, the same server's baseline for tests/load/infer.lua (same report line).
wrk.method = "GET"
wrk.path = "/v2/health/ready"

function done(summary, latency, requests)
  local rps = summary.requests / (summary.duration / 1e6)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout
  io.write(string.format("health req/s=%.0f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f errors=%d\n", rps,
      latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end
