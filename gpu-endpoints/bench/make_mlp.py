#!/usr/bin/python3
"""Writes the MLP of `./pier bench gpu` (CPU): four 2048-wide fully connected layers (MatMul + Add, ReLU between),
FP32, random weights (seed 0), input "x" [batch, 2048], output "y" [batch, 2048]. 64 MiB of weights: at batch 1 a
call's cost is reading them, which batching shares between the requests of a batch.

    /usr/bin/python3 gpu-endpoints/bench/make_mlp.py OUT.onnx
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

WIDTH = 2048
LAYERS = 4


def main(out):
    rng = np.random.default_rng(0)
    nodes, inits = [], []
    x = "x"
    for i in range(LAYERS):
        w = (rng.standard_normal((WIDTH, WIDTH), dtype=np.float32) / np.sqrt(WIDTH)).astype(np.float32)
        b = (rng.standard_normal(WIDTH, dtype=np.float32) * 0.01).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        nodes.append(helper.make_node("MatMul", [x, f"w{i}"], [f"m{i}"]))
        last = i == LAYERS - 1
        nodes.append(helper.make_node("Add", [f"m{i}", f"b{i}"], ["y" if last else f"a{i}"]))
        if not last:
            nodes.append(helper.make_node("Relu", [f"a{i}"], [f"h{i}"]))
            x = f"h{i}"
    graph = helper.make_graph(nodes, "mlp4x2048",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", WIDTH])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", WIDTH])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7  # readable by every ONNX Runtime Pier pins
    onnx.checker.check_model(model)
    onnx.save(model, out)


if __name__ == "__main__":
    main(sys.argv[1])
