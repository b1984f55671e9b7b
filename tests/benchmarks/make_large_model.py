#!/usr/bin/python3
"""Writes a >= 1 GiB ONNX model for the large-model load check: y = x @ W with W a 16384 x 16384 FP32
initializer (1 GiB), stored inside the one .onnx file (under protobuf's 2 GiB limit).

    /usr/bin/python3 tests/benchmarks/make_large_model.py OUT.onnx
Generated at bench time, never committed.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

n = 16384
w = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32) * 0.01
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["y"])],
    "large",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", n])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", n])],
    [numpy_helper.from_array(w, "w")],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="pier-bench")
with open(sys.argv[1], "wb") as f:
    f.write(model.SerializeToString())
print("wrote", sys.argv[1])
