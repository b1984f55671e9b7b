#!/usr/bin/python3
"""Writes the large ONNX models of `./pier bench large`. Generated at bench time under target/, never committed.

    /usr/bin/python3 tests/benchmarks/make_large_model.py OUT.onnx
        a >= 1 GiB model in one .onnx file: y = x @ W, W a 16384 x 16384 FP32 initializer inside the graph (under
        protobuf's 2 GiB limit)
    /usr/bin/python3 tests/benchmarks/make_large_model.py OUT.zip GB
        a GB-gigabyte (10^9 bytes) model as models over 2 GiB must be kept: model.onnx holds the graph and
        weights.bin the weights as ONNX external data, both in one .zip (stored, not compressed: random weights do
        not compress). y = sum_i x @ W_i with GB initializers W_i of 16384 x 15259 FP32 (1.0 GB each), each at a
        64 KiB-aligned offset of weights.bin so that ONNX Runtime may map it rather than copy it. Written in chunks:
        the script never holds more than one initializer in memory.
"""
import sys
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

N = 16384


def single_file(out):
    w = np.random.default_rng(0).standard_normal((N, N), dtype=np.float32) * 0.01
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "large",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", N])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", N])],
        [numpy_helper.from_array(w, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="pier-bench")
    with open(out, "wb") as f:
        f.write(model.SerializeToString())


def external(out, gigabytes):
    m = 15259  # 16384 * 15259 * 4 bytes = 1.000 GB per initializer
    length = N * m * 4
    stride = (length + 65535) // 65536 * 65536
    inits, nodes = [], []
    for i in range(gigabytes):
        t = TensorProto()
        t.name, t.data_type = f"w{i}", TensorProto.FLOAT
        t.dims.extend([N, m])
        t.data_location = TensorProto.EXTERNAL
        for k, v in (("location", "weights.bin"), ("offset", str(i * stride)), ("length", str(length))):
            e = t.external_data.add()
            e.key, e.value = k, v
        inits.append(t)
        nodes.append(helper.make_node("MatMul", ["x", f"w{i}"], [f"y{i}"]))
    nodes.append(helper.make_node("Sum", [f"y{i}" for i in range(gigabytes)], ["y"]))
    graph = helper.make_graph(nodes, "large-external",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", N])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", m])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="pier-bench")
    rng = np.random.default_rng(0)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        z.writestr("model.onnx", model.SerializeToString())
        with z.open("weights.bin", "w", force_zip64=True) as f:
            pad = bytes(stride - length)
            for i in range(gigabytes):
                for rows in range(0, N, 1024):  # 64 MB at a time
                    f.write((rng.random((min(1024, N - rows), m), dtype=np.float32) * 0.01).tobytes())
                if i < gigabytes - 1:
                    f.write(pad)


if len(sys.argv) == 3:
    external(sys.argv[1], int(sys.argv[2]))
else:
    single_file(sys.argv[1])
print("wrote", sys.argv[1])
