#!/usr/bin/env python3
"""A script-mode training script as a user would write it for SageMaker, standard library only.

Logistic regression by full-batch gradient descent on the `train` channel's CSV (label first, then features).
It prints `validation-auc=<v>` for the `validation` channel (a trial's fold) or `test-auc=<v>` for the `test`
channel (the refit's holdout), and writes the model to SM_MODEL_DIR as ONNX (MatMul, Add, Sigmoid; protobuf encoded
by hand, so nothing beyond the standard library is needed).

It also checks the contract it is run under: hyperparameters.json, SM_HPS, SM_HP_* and --name value arguments
agree, every channel in SM_CHANNELS has its SM_CHANNEL_* directory, and the resource config names the current host.
A broken contract writes output/failure and exits 2, as SageMaker's containers do.
"""
import argparse
import csv
import json
import math
import os
import struct
import sys


def fail(message):
    with open(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w") as f:
        f.write(message)
    print("contract broken: " + message, file=sys.stderr)
    sys.exit(2)


def check_contract(args):
    config = os.environ["SM_INPUT_CONFIG_DIR"]
    with open(os.path.join(config, "hyperparameters.json")) as f:
        hps = json.load(f)
    typed = json.loads(os.environ["SM_HPS"])
    if {k: str(v) for k, v in typed.items()} != hps:
        fail("SM_HPS %s disagrees with hyperparameters.json %s" % (typed, hps))
    for name, value in hps.items():
        if os.environ.get("SM_HP_" + name.upper()) != value:
            fail("SM_HP_%s is not %s" % (name.upper(), value))
        if str(getattr(args, name)) != value and float(getattr(args, name)) != float(value):
            fail("--%s %s disagrees with hyperparameters.json %s" % (name, getattr(args, name), value))
    for channel in json.loads(os.environ["SM_CHANNELS"]):
        path = os.environ["SM_CHANNEL_" + channel.upper()]
        if not csv_files(path):
            fail("channel %s has no .csv file in %s" % (channel, path))
    with open(os.path.join(config, "resourceconfig.json")) as f:
        if json.load(f)["current_host"] != os.environ["SM_CURRENT_HOST"]:
            fail("resourceconfig.json's current_host is not SM_CURRENT_HOST")
    if not os.path.isdir(os.environ["SM_MODEL_DIR"]):
        fail("SM_MODEL_DIR is not a directory")


def csv_files(path):
    return sorted(os.path.join(path, n) for n in os.listdir(path) if n.endswith(".csv"))


def read(channel):
    """Every CSV file in the channel's directory, in name order (one locally; one per shard on SageMaker), each with
    a header line."""
    header, body = None, []
    for path in csv_files(os.environ["SM_CHANNEL_" + channel.upper()]):
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        header = rows[0]
        body.extend(rows[1:])
    y = [float(r[0]) for r in body]
    x = [[float(v) if v != "" else 0.0 for v in r[1:]] for r in body]
    return header, x, y


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def predict(w, b, x):
    # float32 arithmetic as ONNX Runtime does it would differ in the last bits: round to float32 at the end only
    return [sigmoid(sum(wi * xi for wi, xi in zip(w, row)) + b) for row in x]


def auc(y, p):
    """Mann-Whitney AUC with ties given half credit (scikit-learn's roc_auc_score)."""
    order = sorted(range(len(p)), key=lambda i: p[i])
    ranks = [0.0] * len(p)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and p[order[j + 1]] == p[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1
        i = j + 1
    pos = sum(1 for v in y if v == 1)
    neg = len(y) - pos
    return (sum(r for r, v in zip(ranks, y) if v == 1) - pos * (pos + 1) / 2.0) / (pos * neg)


# ---- ONNX, protobuf by hand -------------------------------------------------------------------------------------

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(number, wire, payload):
    return varint(number << 3 | wire) + payload


def vint(number, n):
    return field(number, 0, varint(n))


def vbytes(number, data):
    if isinstance(data, str):
        data = data.encode()
    return field(number, 2, varint(len(data)) + data)


def tensor(name, dims, values):
    t = b"".join(vint(1, d) for d in dims) + vint(2, 1) + vbytes(8, name)
    return t + vbytes(9, struct.pack("<%df" % len(values), *values))


def value_info(name, dims):
    shape = b"".join(vbytes(1, vbytes(2, d) if isinstance(d, str) else vint(1, d)) for d in dims)
    return vbytes(1, name) + vbytes(2, vbytes(1, vint(1, 1) + vbytes(2, shape)))


def node(inputs, outputs, op):
    return b"".join(vbytes(1, i) for i in inputs) + b"".join(vbytes(2, o) for o in outputs) + vbytes(3, op) \
        + vbytes(4, op)


def onnx_model(w, b):
    f = len(w)
    graph = (vbytes(1, node(["input", "W"], ["z0"], "MatMul")) + vbytes(1, node(["z0", "B"], ["z"], "Add"))
             + vbytes(1, node(["z"], ["probability"], "Sigmoid")) + vbytes(2, "logreg")
             + vbytes(5, tensor("W", [f, 1], w)) + vbytes(5, tensor("B", [1], [b]))
             + vbytes(11, value_info("input", ["N", f])) + vbytes(12, value_info("probability", ["N", 1])))
    return vint(1, 8) + vbytes(2, "pier-script-test") + vbytes(7, graph) + vbytes(8, vbytes(1, "") + vint(2, 13))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args()
    check_contract(args)
    header, x, y = read("train")
    n, f = len(x), len(x[0])
    w, b = [0.0] * f, 0.0
    for epoch in range(args.epochs):
        p = predict(w, b, x)
        gw = [sum((p[i] - y[i]) * x[i][j] for i in range(n)) / n for j in range(f)]
        gb = sum(p[i] - y[i] for i in range(n)) / n
        w = [wj - args.lr * g for wj, g in zip(w, gw)]
        b -= args.lr * gb
        if epoch % 20 == 19:
            loss = -sum(math.log(max(1e-12, pi if yi == 1 else 1 - pi)) for pi, yi in zip(p, y)) / n
            print("epoch=%d train-loss=%.6f" % (epoch + 1, loss))
    # the weights as float32, so the scores printed are the ONNX model's own
    w = [struct.unpack("<f", struct.pack("<f", v))[0] for v in w]
    b = struct.unpack("<f", struct.pack("<f", b))[0]
    print("features=%s rows=%d seed=%s" % (",".join(header[1:]), n, os.environ.get("PIER_SEED")))
    for channel in ("validation", "test"):
        if "SM_CHANNEL_" + channel.upper() in os.environ:
            _, vx, vy = read(channel)
            print("%s-auc=%.10f" % (channel, auc(vy, predict(w, b, vx))))
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.onnx"), "wb") as f:
        f.write(onnx_model(w, b))


if __name__ == "__main__":
    main()
