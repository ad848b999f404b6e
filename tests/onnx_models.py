"""Tiny ONNX models built with onnx.helper for checking the model bridge in both runtimes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

GAUSS5_NAME = "test-gauss5"


def gaussian_kernel(size: int = 5, sigma: float = 1.0) -> np.ndarray:
    offsets = np.arange(size) - size // 2
    profile = np.exp(-(offsets**2) / (2 * sigma**2))
    kernel = np.outer(profile, profile)
    return kernel / kernel.sum()


def write_gauss5(path: Path) -> Path:
    """A fixed 5x5 Gaussian convolution (zero padding), any height and width."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weights = numpy_helper.from_array(gaussian_kernel().astype(np.float32)[None, None], "weights")
    node = helper.make_node("Conv", ["image", "weights"], ["smoothed"], pads=[2, 2, 2, 2])
    graph = helper.make_graph(
        [node],
        "gauss5",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, "height", "width"])],
        [helper.make_tensor_value_info("smoothed", TensorProto.FLOAT, [1, 1, "height", "width"])],
        initializer=[weights],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # read by onnxruntime-web 1.30 and native onnxruntime alike
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, path)
    return path
