"""The functions the browser worker calls; the page's only door into pycore.

Images stay in the worker, under a key, so that running or re-running an analysis sends
no pixels back and forth. Everything returned is JSON text plus numpy arrays, which the
worker copies out of wasm memory into transferable buffers.
"""

from __future__ import annotations

import itertools
import json
import platform
from typing import Any

import numpy as np
import PIL
import scipy

from . import __version__, colormaps, models, pdf, reuse
from .image import Image, load
from .registry import ANALYSES, get
from .report import Report
from .result import MAP_PIXELS, Result

_images: dict[str, Image] = {}
# What each open image's analyses gave, for its report: {key: {analysis: (result, params)}}
# and the messages of those that failed.
_results: dict[str, dict[str, tuple[Result, dict[str, Any]]]] = {}
_failures: dict[str, dict[str, str]] = {}
_keys = itertools.count(1)


def describe() -> str:
    """The registry and the runtime's versions, as JSON for the page to build its controls."""
    return json.dumps(
        {
            "version": __version__,
            "runtime": {
                "python": platform.python_version(),
                "numpy": np.__version__,
                "scipy": scipy.__version__,
                "pillow": PIL.__version__,
            },
            "analyses": [entry.describe() for entry in ANALYSES.values()],
            "colormaps": {"names": colormaps.COLORMAPS, "tables": colormaps.HEX},
            "match_colours": colormaps.MATCH_COLOURS,
        }
    )


def open_image(data: Any, name: str) -> tuple[str, np.ndarray]:
    """Decode a dropped file; returns its facts as JSON and an RGBA preview.

    Raises pycore.ImageLoadError with a message for the user when the file is unreadable.
    """
    image = load(_as_bytes(data), name)
    key = f"img{next(_keys)}"
    _images[key] = image
    facts = {
        "key": key,
        "name": image.name,
        "width": image.width,
        "height": image.height,
        "format": image.format,
        "mode": image.mode,
        "bit_depth": image.bit_depth,
        "frame_count": image.frame_count,
        "sha256": image.sha256,
    }
    return json.dumps(facts), image.display_rgba()


def pdf_images(data: Any, name: str) -> tuple[str, list[np.ndarray]]:
    """The images embedded in a dropped PDF: JSON ``[{name, page, error}]`` and each
    image's file bytes (empty where it could not be extracted), in the same order.

    Raises pycore.pdf.PdfError with a message for the user when the PDF is unreadable.
    """
    embedded = pdf.extract_images(_as_bytes(data), name)
    entries = [{"name": entry.name, "page": entry.page, "error": entry.error} for entry in embedded]
    return json.dumps(entries), [np.frombuffer(entry.data, np.uint8) for entry in embedded]


def close_image(key: str) -> None:
    _images.pop(key, None)
    _results.pop(key, None)
    _failures.pop(key, None)


async def analyze(key: str, analysis_id: str, params_json: str) -> tuple[str, list[np.ndarray]]:
    """Run one analysis; the JSON lists the maps in the order of the returned uint8 arrays."""
    entry = get(analysis_id)
    params = entry.resolve(json.loads(params_json or "{}"))
    try:
        result = await entry.run(_images[key], params)
    except Exception as error:
        _results.get(key, {}).pop(analysis_id, None)
        _failures.setdefault(key, {})[analysis_id] = f"{type(error).__name__}: {error}"
        raise
    _failures.get(key, {}).pop(analysis_id, None)
    # Kept for the session (the page shows it again, the report draws it): maps as levels,
    # and at most 16 megapixels each. A 50-megapixel image's 20 maps would otherwise keep
    # 1 GB, and the worker must stay under 2 GB (beyond, Pyodide 0.27 cannot hand arrays
    # to JavaScript: their offsets overflow).
    for layer in result.maps.values():
        layer.keep_levels_only(MAP_PIXELS)
    _results.setdefault(key, {})[analysis_id] = (result, params)
    return _payload(result, params)


def stored(key: str, analysis_id: str) -> tuple[str, list[np.ndarray]]:
    """What :func:`analyze` last gave for this image and analysis, again (for the page
    to show an image it analysed earlier without keeping every map)."""
    result, params = _results[key][analysis_id]
    return _payload(result, params)


def _payload(result: Result, params: dict[str, Any]) -> tuple[str, list[np.ndarray]]:
    """The JSON lists the maps in the order of the returned uint8 arrays."""
    payload = result.to_json()
    payload["params"] = params
    payload["maps"] = [
        {
            "name": name,
            "colormap": layer.colormap,
            "kind": layer.kind,
            "legend": layer.legend,
            "width": int(layer.data.shape[1]),
            "height": int(layer.data.shape[0]),
        }
        for name, layer in result.maps.items()
    ]
    return json.dumps(payload), [layer.to_uint8() for layer in result.maps.values()]


def report(keys_json: str, comparisons_json: str, runtime_json: str) -> str:
    """The HTML report (pycore.report) of the open images ``keys``, with what their
    analyses gave so far, the comparisons across them (``[{"keys", "report"}]``, each
    report the JSON of :func:`compare`), and the page's runtime: ``{"versions": {name:
    version}, "models": {name: {"sha256", "bytes"}}}``."""
    keys = json.loads(keys_json)
    runtime = json.loads(runtime_json)
    built = Report()
    for key in keys:
        done = _results.get(key, {})
        built.add(
            _images[key].name,
            _images[key],
            {analysis_id: result for analysis_id, (result, _) in done.items()},
            {analysis_id: params for analysis_id, (_, params) in done.items()},
            _failures.get(key, {}),
        )
    for comparison in json.loads(comparisons_json or "[]"):
        labels = [_images[key].name for key in comparison["keys"] if key in _images]
        if len(labels) == len(comparison["keys"]):
            built.add_across(comparison["report"], labels)
    return built.html(runtime.get("versions"), runtime.get("models"))


def compare(keys_json: str, params_json: str) -> str:
    """Reuse among several opened images and their panels (pycore.reuse.compare), as JSON;
    takes the duplicates analysis's parameters."""
    images = [_images[key] for key in json.loads(keys_json)]
    params = get("duplicates").resolve(json.loads(params_json or "{}"))
    report = reuse.compare(images, **params)
    report["params"] = params
    return json.dumps(report)


async def infer(name: str, data: Any, shape: Any) -> np.ndarray:
    """Run a model on float32 ``data`` of ``shape``: the page's check of the model bridge."""
    dims = tuple(int(size) for size in _as_list(shape))
    tensor = np.frombuffer(_as_bytes(data), dtype=np.float32).reshape(dims)
    return await models.infer(name, tensor)


def _as_bytes(data: Any) -> bytes:
    """Bytes from a JS typed array (a JsProxy) or any Python buffer."""
    return data.to_bytes() if hasattr(data, "to_bytes") else bytes(data)


def _as_list(values: Any) -> list[Any]:
    return values.to_py() if hasattr(values, "to_py") else list(values)
