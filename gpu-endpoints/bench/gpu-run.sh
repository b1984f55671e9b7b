#!/usr/bin/env bash
# ./pier bench gpu --gpu, on the GPU machine: the one command to run there (no JDK or network needed; Python 3.12
# with PyTorch, onnxruntime and nvidia-smi expected). It sits in the bundle prepare-gpu.sh makes, beside a jlink'd
# JRE and the endpoint server's jars.
#   gpu-run.sh [OUT_DIR]     (default $OUT, else ./out); everything it measures goes there and to stdout
#   PIER_GPU_PRICE_PER_HOUR=USD adds the cost of a million predictions at the measured throughput (one instance)
# 1. machine: nvidia-smi, torch/onnxruntime versions;
# 2. resnet.py export: ResNet-50, random weights, as TorchScript (and ONNX);
# 3. resnet.py raw: raw PyTorch fp32/bf16 and ONNX Runtime CUDA by batch size, GPU utilisation sampled;
# 4. the endpoint path: Pier's endpoint server (this JRE, TorchScript through DJL on the machine's own libtorch, on
#    CUDA) with dynamic batching under EndpointLoad's closed-loop clients (binary tensors), GPU utilisation sampled.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-${OUT:-$here/out}}"
mkdir -p "$out"
work="$(mktemp -d)"
py="${PYTHON:-python3}"
secs="${PIER_GPU_ENDPOINT_SECONDS:-20}"
{ date -u; nvidia-smi; "$py" -c "import torch, onnxruntime as o; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'onnxruntime', o.__version__, o.get_available_providers())"; } >"$out/machine.txt" 2>&1
cat "$out/machine.txt"
"$py" "$here/resnet.py" export "$work" 2>"$out/export.err" | tee "$out/export.jsonl"
timeout 300 "$py" "$here/resnet.py" raw "$work" 2>"$out/raw.err" | tee "$out/raw.jsonl"

# The endpoint: DJL's PyTorch engine on the machine's libtorch. DJL 0.36 ships its JNI for PyTorch 2.7.1 (cpu and
# cu128); it is loaded against this libtorch, which may not match: a failure is recorded, not hidden.
torchlib="$("$py" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
export PYTORCH_LIBRARY_PATH="$torchlib" PYTORCH_VERSION="${PIER_DJL_PYTORCH_VERSION:-2.7.1}" \
  PYTORCH_FLAVOR="${PIER_DJL_FLAVOR:-cu128}" DJL_CACHE_DIR="$work/djl" LD_LIBRARY_PATH="$torchlib:${LD_LIBRARY_PATH:-}"
java="$here/jre/bin/java"
meta='{"framework":"pytorch","signature":{"inputs":[{"name":"input","datatype":"FP32","shape":[-1,3,224,224]}],"outputs":[{"name":"output","datatype":"FP32","shape":[-1,1000]}]},"batching":'"${PIER_GPU_BATCHING:-{\"max_batch_size\":128,\"preferred_batch_sizes\":[32,64,128],\"max_queue_delay_us\":3000,\"instances\":2,\"adaptive\":{\"p95_target_ms\":100\}\}}"'}'
endpoint() { # endpoint LABEL CLIENTS
  local label="$1" clients="$2" pid sampler
  "$java" --enable-native-access=ALL-UNNAMED -jar "$here/app/pier-endpoint-server.jar" serve --artifact "$work/resnet50.pt" \
    --metadata "$meta" --host 127.0.0.1 --port 18080 --model-name resnet50 --device cuda --threads 4 --grpc-port off \
    >"$out/endpoint-$label.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 180); do curl -sf -o /dev/null http://127.0.0.1:18080/ping && break; kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  if ! curl -sf -o /dev/null http://127.0.0.1:18080/ping; then
    echo "{\"endpoint\":\"$label\",\"error\":\"the endpoint did not start; see endpoint-$label.log\"}" | tee -a "$out/endpoint.jsonl"
    tail -n 30 "$out/endpoint-$label.log"
    kill "$pid" 2>/dev/null; return 1
  fi
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -i 0 -lms 200 >"$out/util-$label.csv" &
  sampler=$!
  "$java" -cp "$here/app/pier-endpoint-server.jar" dev.pier.endpoints.server.EndpointLoad --url http://127.0.0.1:18080 \
    --input input --shape 1,3,224,224 --binary true --clients "$clients" --warmup 10 --seconds "$secs" --label "endpoint-$label" \
    --price-per-hour "${PIER_GPU_PRICE_PER_HOUR:-}" \
    | tee -a "$out/endpoint.txt"
  kill "$sampler"
  awk -F, -v l="$label" 'NR>10 {u+=$1; n++; if ($2>m) m=$2} END {if (n) printf "{\"endpoint\":\"%s\",\"gpu_util_mean\":%.1f,\"gpu_mem_mib_max\":%d,\"samples\":%d}\n", l, u/n, m, n}' \
    "$out/util-$label.csv" | tee -a "$out/endpoint.jsonl"
  curl -sf http://127.0.0.1:18080/metrics >"$out/metrics-$label.txt"
  kill "$pid"; wait "$pid" 2>/dev/null
}
for c in ${PIER_GPU_CLIENTS:-64 256}; do endpoint "c$c" "$c" || break; done
echo "results in $out"
