"""Whether an image is a 2x enlargement, from how its neighbour differences alternate, and
the image brought back to the size it had.

Enlarging by two puts two new samples where there was one. With the usual convention (the
new pixels' centres a quarter of an old pixel either side of the old centre: Pillow,
OpenCV's INTER_LINEAR/CUBIC, most editors), the two pixels made from the same old pixel
differ less than two pixels made from neighbouring old ones: nearest neighbour makes the
first difference zero, bilinear makes it a quarter of a two-pixel step against half a
one-pixel step. So the mean absolute difference between neighbours alternates from one
column (or row) to the next; in a recorded image it is the same at even and odd places.
This is the simplest of the periodic correlations resampling leaves (A. C. Popescu and
H. Farid, "Exposing digital forgeries by detecting traces of resampling", IEEE Trans.
Signal Processing 53(2), 2005). JPEG's 8x8 blocks also make the steps vary with the
place in the block (larger at block edges, and following the surviving DCT cosines inside),
so the mean step is taken at each of the 8 places of that period and split into its
frequencies: an enlargement by two shows as the alternating component (period 2), and
only counts where it is clearly stronger than the block's own components (periods 8, 4
and 8/3).

An enlargement adds no detail, only the interpolation's trace; a detector of generators'
up-sampling must not read that trace as generated, so such an image is judged at the size
it had before (pycore.analyses.ai_generated).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# Alternating component of the mean step (relative to the mean step) from which an axis
# counts as enlarged 2x, and how much stronger it must be than the JPEG block's components:
# either clearly alternating, or (a near-ideal kernel such as Lanczos alternates little)
# weakly but standing far above the block's components, which a recorded image's
# alternation does not. models/ai_generated/validation.md gives how often each passes.
ENLARGED_FROM = 0.05
_OVER_BLOCK_PERIODS = 1.5
_WEAKLY_ENLARGED_FROM = 0.015
_WEAK_OVER_BLOCK_PERIODS = 5.0
# Images are not halved below this side (pixels): the detectors need room.
_MIN_SIDE = 128
# JPEG's block period: steps are measured per place within it.
_PERIOD = 8
# Added to the mean step (8-bit levels) so that a flat image divides by something.
_STEP_FLOOR = 1e-3


class NativeResolution(NamedTuple):
    """An image brought back to the size it had before 2x enlargements."""

    gray: np.ndarray
    # How much it was reduced (1: not at all).
    factor: int
    # How strongly the given image's steps alternate (the weaker axis): about 0 for a
    # recorded image, 0.05 to 1 for a 2x enlargement (1 for nearest neighbour).
    alternation: float


def native_resolution(gray: np.ndarray) -> NativeResolution:
    """``gray`` halved (2x2 means of the pixels made from one old pixel) for as long as it
    is a 2x enlargement on both axes and stays at least 128 pixels on a side."""
    factor = 1
    alternation = None
    while True:
        axes = [_axis_periods(gray, axis) for axis in (0, 1)]
        if alternation is None:
            alternation = min(alternating for alternating, _, _ in axes)
        enlarged = all(_alternates(alternating, block) for alternating, block, _ in axes)
        if not enlarged or min(gray.shape) < 2 * _MIN_SIDE:
            return NativeResolution(gray, factor, alternation)
        (_, _, row_start), (_, _, col_start) = axes
        gray = _halved(gray[row_start:, col_start:])
        factor *= 2


def _alternates(alternating: float, block: float) -> bool:
    """Whether an axis's steps alternate as a 2x enlargement's do (see ENLARGED_FROM)."""
    clearly = alternating >= ENLARGED_FROM and alternating >= _OVER_BLOCK_PERIODS * block
    weakly = (
        alternating >= _WEAKLY_ENLARGED_FROM and alternating >= _WEAK_OVER_BLOCK_PERIODS * block
    )
    return clearly or weakly


def _axis_periods(gray: np.ndarray, axis: int) -> tuple[float, float, int]:
    """Along ``axis``: the alternating component of the mean step, the strongest of the
    block's other components (both relative to the mean step), and where the pairs of
    pixels made from one old pixel start (0 or 1: the parity of the smaller steps)."""
    steps = np.abs(np.diff(gray.astype(np.float32), axis=axis))
    length = steps.shape[axis] // _PERIOD * _PERIOD
    if length == 0:
        return 0.0, 0.0, 0
    # Mean step at each place within the period (all lines of the other axis pooled).
    steps = np.moveaxis(steps.take(np.arange(length), axis=axis), axis, 0)
    per_place = steps.reshape(length // _PERIOD, _PERIOD, -1).mean(axis=(0, 2), dtype=np.float64)
    components = np.fft.rfft(per_place) / (_PERIOD * (per_place.mean() + _STEP_FLOOR))
    alternating = components[_PERIOD // 2].real
    block = float(np.abs(components[1 : _PERIOD // 2]).max())
    # A positive alternating component: the steps at even places are the larger, so the
    # pairs made from one old pixel are joined by the odd steps and start at 1.
    return float(abs(alternating)), block, int(alternating > 0)


def _halved(gray: np.ndarray) -> np.ndarray:
    """The mean of each 2x2 block (an odd last row or column dropped)."""
    height, width = gray.shape[0] // 2 * 2, gray.shape[1] // 2 * 2
    blocks = gray[:height, :width].reshape(height // 2, 2, width // 2, 2)
    return blocks.mean(axis=(1, 3), dtype=np.float64).astype(np.float32)
