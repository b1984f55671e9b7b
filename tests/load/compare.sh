#!/usr/bin/env bash
# Compares the HTTP hot path of several builds on one machine: tests/load/compare.sh CHECKOUT...
# Each CHECKOUT is a Pier working tree already built (./pier build). Their servers start side by side (each idle
# while another is measured) and wrk rounds rotate among them, so the machine's drift over minutes (20 % and more on a
# shared host) hits every build alike; runs of one build after another compare the minutes, not the builds.
# Prints one line per round: "<checkout> rows=<n> req/s=... p50_ms= p95_ms= p99_ms= errors=" (tests/load/infer.lua).
# SECS (default 10) sets a round's length.
set -euo pipefail
(( $# >= 2 )) || { echo "usage: tests/load/compare.sh CHECKOUT CHECKOUT..." >&2; exit 2; }
command -v wrk >/dev/null || { echo "compare.sh needs wrk (apt-get install wrk)" >&2; exit 2; }
load="$(cd "$(dirname "$0")" && pwd)"
port=18600 urls=() names=() pids=() datas=()
cleanup() { for p in "${pids[@]+"${pids[@]}"}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  rm -rf "${datas[@]+"${datas[@]}"}"; }
trap cleanup EXIT
for dir in "$@"; do
  [[ -x "$dir/pier" ]] || { echo "$dir is not a Pier checkout" >&2; exit 2; }
  d="$(mktemp -d)"; datas+=("$d")
  (cd "$dir" && PIER_NO_BUILD=1 exec ./pier up --port "$port" --grpc-port $((port + 1)) --data-dir "$d") \
    >"$d.log" 2>&1 &
  pids+=("$!"); urls+=("http://127.0.0.1:$port"); names+=("$(basename "$(cd "$dir" && pwd)")"); port=$((port + 10))
done
for u in "${urls[@]}"; do
  for _ in $(seq 1 240); do curl -sf -o /dev/null "$u/v2/health/ready" && break; sleep 0.5; done
  curl -sf -o /dev/null "$u/v2/health/ready" || { echo "no server ready at $u" >&2; exit 1; }
done
for u in "${urls[@]}"; do # JIT warm-up of both paths
  wrk -t2 -c16 -d20s -s "$load/infer.lua" "$u" >/dev/null 2>&1
  ROWS=64 wrk -t2 -c16 -d5s -s "$load/infer.lua" "$u" >/dev/null 2>&1
done
round() { # round ROWS THREADS CONNECTIONS SECONDS [LABEL]
  for i in "${!urls[@]}"; do
    echo "${names[$i]} ${5:-}$(ROWS=$1 wrk -t"$2" -c"$3" -d"$4"s --latency -s "$load/infer.lua" "${urls[$i]}" | tail -n 1)"
  done
}
for _ in 1 2 3 4 5; do round 1 2 32 "${SECS:-10}"; done
for _ in 1 2; do round 64 2 32 "${SECS:-10}"; done
for _ in 1 2; do round 1 1 1 5 "one-conn "; done
