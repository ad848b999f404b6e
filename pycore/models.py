"""One way to run an ONNX model, whichever runtime pycore is in.

Natively the model runs in onnxruntime; in the browser (Pyodide) it runs in
onnxruntime-web through the ``figsleuth_bridge`` module that the worker registers. Pre- and
post-processing stay in pycore, so both backends see the same float32 tensors.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

IN_BROWSER = sys.platform == "emscripten"

# Natively, models live in models/<name>/model.onnx of the project, or under FIGSLEUTH_MODELS.
DEFAULT_MODEL_ROOT = Path(
    os.environ.get("FIGSLEUTH_MODELS", Path(__file__).resolve().parent.parent / "models")
)
_model_root = DEFAULT_MODEL_ROOT


def set_model_root(root: str | os.PathLike[str]) -> None:
    """Look for native models under ``root`` from now on (``root/<name>/model.onnx``)."""
    global _model_root
    _model_root = Path(root)
    _native_session.cache_clear()


def model_path(name: str) -> Path:
    return _model_root / name / "model.onnx"


def native_models() -> list[str]:
    """The names of the models found under the native model root (none in the browser,
    where the page fetches them)."""
    if IN_BROWSER or not _model_root.is_dir():
        return []
    return sorted(path.parent.name for path in _model_root.glob("*/model.onnx"))


async def infer(name: str, array: np.ndarray) -> np.ndarray:
    """Run model ``name`` on one float32 input tensor and return its first output."""
    tensor = np.ascontiguousarray(array, dtype=np.float32)
    if IN_BROWSER:
        return await _browser_infer(name, tensor)
    session = _native_session(name)
    (output,) = session.run(None, {session.get_inputs()[0].name: tensor})[:1]
    return np.asarray(output, dtype=np.float32)


@cache
def _native_session(name: str) -> Any:
    import onnxruntime  # imported here: it is absent from the browser runtime

    path = model_path(name)
    if not path.is_file():
        raise FileNotFoundError(f"model {name!r} not found at {path}")
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


async def _browser_infer(name: str, tensor: np.ndarray) -> np.ndarray:
    import figsleuth_bridge  # registered by the worker before pycore is imported
    from pyodide.ffi import to_js

    output = await figsleuth_bridge.infer(name, to_js(tensor.tobytes()), to_js(list(tensor.shape)))
    values = np.frombuffer(output.data.to_bytes(), dtype=np.float32)
    return values.reshape(tuple(output.dims.to_py())).copy()
