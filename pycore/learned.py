"""What the learned detectors see and how their maps come back: one definition for pycore's
analyses and for the training scripts in models/, so a model is never fed differently from
how it was trained.

The networks are fully convolutional on the luminance. The input is rounded to 8-bit
levels whatever the file's depth, so a 16-bit TIFF and its 8-bit copy look the same to a
model (the bit depth, like the container, must never be the feature). Large images are
cut into tiles with a margin of context, each tile is one model call, and the outputs are
put back together: memory stays bounded, and with a margin of at least half a network's
receptive field (at most about 130 pixels) the result does not depend on how the image was
cut.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

import numpy as np

from . import models

# The networks reduce by at most this factor: inputs are padded to a multiple of it so
# output cells fall on a fixed grid of the image.
STRIDE = 32
# A tile's side (pixels, before its margin): a 1024x1024 image is one model call.
TILE = 1024
# Context on each side of a tile, dropped from its output (a multiple of STRIDE, and more
# than half the larger receptive field).
MARGIN = 96

Infer = Callable[[np.ndarray], Awaitable[np.ndarray]]


def model_input(gray: np.ndarray) -> np.ndarray:
    """Luminance in 8-bit units as the networks' input: float32 in [0, 1] on 8-bit levels,
    shape (1, 1, H', W') with H', W' padded (mirrored) up to a multiple of STRIDE."""
    levels = np.rint(np.clip(gray, 0.0, 255.0)).astype(np.float32) / 255.0
    height, width = levels.shape
    pad_y, pad_x = -height % STRIDE, -width % STRIDE
    if pad_y or pad_x:
        levels = np.pad(levels, ((0, pad_y), (0, pad_x)), mode="symmetric")
    return levels[None, None]


async def tiled_inference(infer: Infer, gray: np.ndarray, output_stride: int) -> np.ndarray:
    """Run ``infer`` (a coroutine taking a (1, 1, h, w) input and returning
    (1, channels, h / output_stride, w / output_stride) maps) over the whole image, tile by
    tile, and return the maps for the image, (channels, ceil(H / output_stride),
    ceil(W / output_stride))."""
    height, width = gray.shape
    rows = -(-height // output_stride)
    cols = -(-width // output_stride)
    out: np.ndarray | None = None  # (channels, rows, cols), once the first tile says how many
    for top in range(0, height, TILE):
        for left in range(0, width, TILE):
            # The tile with its margin, clipped to the image and aligned to STRIDE.
            y0, x0 = max(top - MARGIN, 0), max(left - MARGIN, 0)
            y1, x1 = min(top + TILE + MARGIN, height), min(left + TILE + MARGIN, width)
            result = await infer(model_input(gray[y0:y1, x0:x1]))
            cells = np.asarray(result, np.float32)[0]
            if out is None:
                out = np.zeros((cells.shape[0], rows, cols), np.float32)
            # The cells of this tile proper, inside the margin.
            r0, c0 = (top - y0) // output_stride, (left - x0) // output_stride
            r1 = r0 + -(-min(TILE, height - top) // output_stride)
            c1 = c0 + -(-min(TILE, width - left) // output_stride)
            out_r, out_c = top // output_stride, left // output_stride
            out[:, out_r : out_r + r1 - r0, out_c : out_c + c1 - c0] = cells[:, r0:r1, c0:c1]
    assert out is not None, "an image has at least one tile"
    return out


async def model_map(model: str, gray: np.ndarray, output_stride: int) -> np.ndarray:
    """Model ``model``'s output maps for the whole of ``gray`` (tiled as above), one per
    output channel."""
    return await tiled_inference(partial(models.infer, model), gray, output_stride)
