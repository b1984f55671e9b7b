#!/usr/bin/env python3
"""The GPU machine's half of `./pier bench gpu --gpu` (no JDK, no network there): a ResNet-50 with random weights
(seed 0), defined here so nothing is downloaded, measured raw by batch size with GPU utilisation sampled, and saved as
TorchScript (and ONNX where the exporter works) for the endpoint run.

    python3 resnet.py raw OUT_DIR        raw PyTorch (fp32 and bf16) and ONNX Runtime (CUDA provider) by batch size
    python3 resnet.py export OUT_DIR     OUT_DIR/resnet50.pt (TorchScript, fp32, traced) and resnet50.onnx

Every figure is one JSON line on stdout.
"""
import json
import os
import subprocess
import sys
import threading
import time

import torch
import torch.nn as nn

BATCHES = [int(b) for b in os.environ.get("PIER_GPU_BATCHES", "1,8,32,64,128").split(",")]
SECONDS = float(os.environ.get("PIER_GPU_SECONDS", "6"))


class Bottleneck(nn.Module):
    def __init__(self, cin, width, stride):
        super().__init__()
        cout = width * 4
        self.body = nn.Sequential(
            nn.Conv2d(cin, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.skip = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                     if stride != 1 or cin != cout else nn.Identity())
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.body(x) + self.skip(x))


def resnet50():
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for width, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
        for i in range(blocks):
            layers.append(Bottleneck(cin, width, stride if i == 0 else 1))
            cin = width * 4
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000)]
    torch.manual_seed(0)
    return nn.Sequential(*layers).eval()


class Utilisation:
    """Samples nvidia-smi's utilization.gpu and memory.used every 100 ms while running."""

    def __enter__(self):
        self.samples = []
        self.proc = subprocess.Popen(["nvidia-smi", "--query-gpu=utilization.gpu,memory.used", "--format=csv,noheader,nounits",
                                      "-i", "0", "-lms", "100"], stdout=subprocess.PIPE, text=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        return self

    def _read(self):
        for line in self.proc.stdout:
            try:
                u, m = (float(v) for v in line.split(","))
                self.samples.append((u, m))
            except ValueError:
                pass

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait()

    def summary(self):
        s = self.samples[2:] or self.samples  # the first samples predate the load
        if not s:
            return {"gpu_util_mean": None, "gpu_mem_mib_max": None}
        return {"gpu_util_mean": round(sum(u for u, _ in s) / len(s), 1), "gpu_mem_mib_max": max(m for _, m in s),
                "samples": len(s)}


def pct(values, q):
    v = sorted(values)
    return v[max(0, int(-(-q * len(v) // 1)) - 1)]


def measure(run, batch):
    for _ in range(5):
        run()
    torch.cuda.synchronize()
    times = []
    with Utilisation() as util:
        end = time.perf_counter() + SECONDS
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            run()
            torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
    total = sum(times)
    return {"batch": batch, "img_per_s": round(batch * len(times) / total, 1),
            "p50_ms": round(1000 * pct(times, 0.5), 2), "p95_ms": round(1000 * pct(times, 0.95), 2), **util.summary()}


def raw(out):
    dev = torch.device("cuda")
    torch.backends.cudnn.benchmark = True
    print(json.dumps({"device": torch.cuda.get_device_name(0), "torch": torch.__version__}), flush=True)
    for dtype in [torch.float32, torch.bfloat16]:
        model = resnet50().to(dev, dtype=dtype).to(memory_format=torch.channels_last)
        for b in BATCHES:
            x = torch.randn(b, 3, 224, 224, device=dev, dtype=dtype).to(memory_format=torch.channels_last)
            with torch.inference_mode():
                r = measure(lambda: model(x), b)
            print(json.dumps({"engine": "pytorch", "dtype": str(dtype).split(".")[1], **r}), flush=True)
        del model
        torch.cuda.empty_cache()
    onnx_path = os.path.join(out, "resnet50.onnx")
    try:
        import numpy as np
        import onnxruntime as ort
        if "CUDAExecutionProvider" not in ort.get_available_providers() or not os.path.exists(onnx_path):
            print(json.dumps({"engine": "onnxruntime", "skipped": f"providers {ort.get_available_providers()},"
                              f" model {'present' if os.path.exists(onnx_path) else 'not exported'}"}), flush=True)
            return
        sess = ort.InferenceSession(onnx_path, providers=["CUDAExecutionProvider"])
        for b in BATCHES:
            x = np.random.default_rng(0).standard_normal((b, 3, 224, 224), dtype=np.float32)
            r = measure(lambda: sess.run(None, {"input": x}), b)
            print(json.dumps({"engine": "onnxruntime-cuda", "dtype": "float32", **r}), flush=True)
    except Exception as e:  # noqa: BLE001 - the raw PyTorch figures above stand on their own
        print(json.dumps({"engine": "onnxruntime", "error": repr(e)[:300]}), flush=True)


def export(out):
    model = resnet50()
    x = torch.randn(1, 3, 224, 224)
    with torch.inference_mode():
        traced = torch.jit.trace(model, x)
    traced.save(os.path.join(out, "resnet50.pt"))
    print(json.dumps({"exported": "resnet50.pt"}), flush=True)
    try:
        torch.onnx.export(model, x, os.path.join(out, "resnet50.onnx"), input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=17, dynamo=False)
        print(json.dumps({"exported": "resnet50.onnx"}), flush=True)
    except Exception as e:  # noqa: BLE001 - TorchScript is what the endpoint serves here
        print(json.dumps({"onnx_export_error": repr(e)[:300]}), flush=True)


if __name__ == "__main__":
    {"raw": raw, "export": export}[sys.argv[1]](sys.argv[2])
