#!/usr/bin/env bash
# ./pier bench gpu (CPU part): the endpoint server on an MLP of four 2048-wide layers under 32 concurrent clients,
# without batching and with dynamic batching, one after the other on the same machine; prints both and the ratio.
#   bench-cpu.sh JAVA ENDPOINT_JAR MODEL.onnx OUT_DIR
set -euo pipefail
java="$1" jar="$2" model="$3" out="$4"
clients="${PIER_BENCH_CLIENTS:-32}" secs="${PIER_BENCH_SECONDS:-15}" warm="${PIER_BENCH_WARMUP:-5}"
threads="${PIER_BENCH_THREADS:-$(nproc)}" port="${PIER_BENCH_PORT:-18491}"
batched="{\"framework\":\"onnx\",\"batching\":${PIER_BENCH_BATCHING:-{\"max_batch_size\":32,\"max_queue_delay_us\":20000\}}}"
plain='{"framework":"onnx"}'
mkdir -p "$out"
echo "uptime: $(uptime)"
echo "server: --threads $threads; unbatched metadata $plain; batched metadata $batched; $clients clients, ${warm}s warm-up, ${secs}s measured"
run() { # run LABEL METADATA
  local label="$1" metadata="$2" pid
  "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" serve --artifact "$model" --metadata "$metadata" \
    --host 127.0.0.1 --port "$port" --model-name mlp --threads "$threads" >"$out/server-$label.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 240); do curl -sf -o /dev/null "http://127.0.0.1:$port/ping" && break; sleep 0.5; done
  curl -sf -o /dev/null "http://127.0.0.1:$port/ping" || { kill "$pid"; echo "the $label server did not start:" >&2; cat "$out/server-$label.log" >&2; exit 1; }
  "$java" --enable-native-access=ALL-UNNAMED -cp "$jar" dev.pier.endpoints.server.EndpointLoad \
    --url "http://127.0.0.1:$port" --input x --shape 1,2048 --clients "$clients" --seconds "$secs" --warmup "$warm" \
    --label "$label" --price-per-hour "${PIER_BENCH_PRICE_PER_HOUR:-}"
  curl -sf "http://127.0.0.1:$port/metrics" >"$out/metrics-$label.txt" || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
{ run unbatched "$plain"; run batched "$batched"; } | tee "$out/gpu-cpu.txt"
awk '{for(i=1;i<=NF;i++){split($i,kv,"="); v[$1,kv[1]]=kv[2]}}
     END{t0=v["unbatched:","throughput"]+0; t1=v["batched:","throughput"]+0; p0=v["unbatched:","p95"]+0; p1=v["batched:","p95"]+0;
         if (t0>0) printf "batched vs unbatched: throughput x%.2f (target >= 3), p95 %.2f ms vs %.2f ms (target: no worse)\n", t1/t0, p1, p0}' \
  "$out/gpu-cpu.txt" | tee -a "$out/gpu-cpu.txt"
