"""Cutting a 2-D array into square blocks, the unit most analyses measure in."""

from __future__ import annotations

import numpy as np


def whole_blocks(values: np.ndarray, size: int) -> np.ndarray:
    """The whole ``size`` x ``size`` blocks of ``values`` (partial ones at the right and
    bottom left out), as rows x cols x size x size."""
    rows, cols = values.shape[0] // size, values.shape[1] // size
    return values[: rows * size, : cols * size].reshape(rows, size, cols, size).swapaxes(1, 2)


def all_blocks(values: np.ndarray, size: int, edge: bool = False) -> np.ndarray:
    """Every block, partial ones included, as rows x cols x size x size: the missing part of
    a partial block is NaN, or the nearest edge values with ``edge``."""
    height, width = values.shape
    pad = ((0, -height % size), (0, -width % size))
    if edge:
        padded = np.pad(values, pad, mode="edge")
    else:
        padded = np.pad(values.astype(np.float64), pad, constant_values=np.nan)
    return whole_blocks(padded, size)


def block_means(samples: np.ndarray, factor: int) -> np.ndarray:
    """``samples`` (height x width, or x channels) with each ``factor`` x ``factor`` block
    replaced by its mean, in the same type (integers rounded); the last rows and columns
    that do not fill a block are dropped."""
    height = samples.shape[0] // factor * factor
    width = samples.shape[1] // factor * factor
    blocks = samples[:height, :width].reshape(
        height // factor, factor, width // factor, factor, *samples.shape[2:]
    )
    means = blocks.sum(axis=(1, 3), dtype=np.float64) / factor**2
    if np.issubdtype(samples.dtype, np.integer):
        means = np.rint(means)
    return means.astype(samples.dtype)
