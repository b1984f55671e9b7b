"""Pier's Python client: the standard library only.

    from pier_client import Client, Tensor
    pier = Client("http://127.0.0.1:8080")            # or PIER_URL / PIER_API_KEY from the environment
    pier.models.register("iris", "model.onnx", framework="onnx")
    pier.models.set_alias("iris", "production", 1)
    result = pier.infer("iris", [Tensor("input", "FP32", [1, 4], [5.1, 3.5, 1.4, 0.2])])
    result.output("label").data                       # [0]
    pier.features, pier.monitors, pier.experiments, pier.flags, pier.training    # the other domains

Every call raises :class:`PierError` (with the HTTP status and the server's message) on an answer that is not 2xx.
"""

from .client import Client, PierError, Tensor, InferResult

__all__ = ["Client", "PierError", "Tensor", "InferResult"]
