"""The pixels an image had before an interpolated enlargement, found again by least
squares.

Enlarging by an interpolating kernel is linear and separable: along each axis every new
pixel is a weighted sum of the old pixels near it, ``new = A @ old``, where row j of A
holds the kernel's weights at new pixel j's place among the old ones. With the usual
convention (Pillow, OpenCV, ImageMagick, most editors) the new pixels' centres divide the
old image's extent evenly, so new pixel j lies at ``(j + 1/2) * old/new - 1/2`` in old
pixels. Enlarging, A has more rows than columns and full column rank, so the old pixels
are its least-squares solution, exact but for the rounding of the new ones (the inverse
problem of the resampling detected by A. C. Popescu and H. Farid, "Exposing digital
forgeries by detecting traces of resampling", IEEE Trans. Signal Processing 53(2), 2005).
Resampling to the old size instead (an antialiased reduction) averages over the new
pixels and blurs away the finest detail, where a generator's trace lies.

A is known once three things are: the kernel, the factor, and where the grid starts (a
crop of an enlarged figure starts it anywhere). The factor is found beforehand
(pycore.enlargement) and made exact here; the start is searched on a grid of an old
pixel's fractions, at both ends of each axis (their drift corrects the factor); the
kernel among the common ones (bilinear; Keys' cubic with a = -0.5 as in Pillow and
a = -0.75 as in OpenCV, R. Keys, IEEE Trans. ASSP 29(6), 1981; Mitchell and Netravali's,
ImageMagick's default for enlarging, SIGGRAPH 1988; Lanczos-3): whichever fit a sample of
the image's lines best, one kernel for both axes. Only where the image shows the
enlargement clearly is it undone so; otherwise the caller shrinks it (it does not where a
JPEG saved afterwards, smooth content or clipping hides the kernel, where bilinear's or
a cubic's inverse would print a grain of its own, as at every factor near 1.1, nor on
axes under 160 pixels).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy import sparse
from scipy.linalg import solveh_banded

Kernel = Callable[[np.ndarray], np.ndarray]


def _cubic(a: float) -> Kernel:
    """Keys' cubic convolution kernel with parameter ``a`` (support 2)."""

    def weights(x: np.ndarray) -> np.ndarray:
        x = np.abs(x)
        near = ((a + 2) * x - (a + 3)) * x * x + 1
        far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        return np.where(x < 1, near, np.where(x < 2, far, 0.0))

    return weights


def _mitchell(x: np.ndarray) -> np.ndarray:
    """Mitchell and Netravali's cubic with B = C = 1/3 (support 2; it smooths, so it does
    not interpolate the old pixels)."""
    x = np.abs(x)
    near = (7 * x - 12) * x * x + 16 / 3
    far = ((-7 / 3 * x + 12) * x - 20) * x + 32 / 3
    return np.where(x < 1, near, np.where(x < 2, far, 0.0)) / 6


def _bilinear(x: np.ndarray) -> np.ndarray:
    return np.clip(1.0 - np.abs(x), 0.0, None)


def _lanczos3(x: np.ndarray) -> np.ndarray:
    return np.where(np.abs(x) < 3, np.sinc(x) * np.sinc(x / 3), 0.0)


# The kernels tried, with their support (old pixels either side).
KERNELS: dict[str, tuple[Kernel, float]] = {
    "bicubic": (_cubic(-0.5), 2.0),
    "bilinear": (_bilinear, 1.0),
    "bicubic (a = -0.75)": (_cubic(-0.75), 2.0),
    "Mitchell": (_mitchell, 2.0),
    "Lanczos": (_lanczos3, 3.0),
}
# Where the grid may start, in old pixels: a coarse grid, then a finer one around the best.
_COARSE_PHASES = np.arange(8) / 8
_FINE_PHASES = np.arange(-4, 5) / 64
# The start is found on stretches of this many new pixels of this many lines, evenly
# spread across the image; one stretch at each end of the axis, whose starts give the
# exact scale; the kernel on one in the middle (the fits' cost does not grow with the
# image).
_STRETCH = 128
_SAMPLED_LINES = 48
# A fit's residue leaves out clipped pixels (0 or 255: clipping a kernel's overshoot is not
# linear, and they would pick the kernel), and is judged only where at least this share of
# the stretch is free of them (black text on white is not).
_UNCLIPPED_AT_LEAST = 0.5
# Added to the normal equations' diagonal: an old pixel at a stretch's end is seen by only
# a few new ones, and this keeps it determined without moving the well-seen ones.
_RIDGE = 1e-4
# The enlargement counts as understood only where the image shows it clearly:
# - on each axis the best start fits at least this many times better than the worst (a
#   recorded image has no grid and fits all starts alike: at most 1.77 on the 204 real
#   images of ../shared/data/real with 160 pixels a side, read as enlargements by 1.2, 4/3
#   or 1.5 as stored, 1.5 after JPEG 90, and 1.2 shrunk by 3/4; models/ai_generated/card.md);
# - and the kernel fits better than any other by this ratio of residues. Kernels fit
#   smooth content alike, and the wrong one's inverse leaves a faint error that repeats
#   with the grid, the very trace the detectors look for (at 2x, bilinear and Keys' cubic
#   enlargements even span the same images).
UNDERSTOOD_FROM = 2.0
_KERNEL_MARGIN = 1.02
# The inverse passes the new pixels' rounding on to the old ones, more to old pixels that
# fewer new ones see: where that varies along the grid (bilinear at most factors, cubics
# near 1.1x), the inverse prints a periodic grain of its own, which the detectors read as
# generated (a genuine photograph enlarged 1.25x by bilinear went from 0.19 to 0.73,
# models/ai_generated/card.md). Undone only where the noise's spread varies by less
# than this ratio (largest over smallest, old pixels in the middle of a stretch).
_EVEN_NOISE_WITHIN = 1.05
# How far (old pixels) a pixel's centre may lie outside the new image's extent and still
# be kept: more than the error of the start found.
_EDGE_TOLERANCE = 0.125
# The drift of the grid's start from one end of an axis to the other makes the factor
# exact; the stretches at the ends must lie this far apart at least for it to show.
MIN_NEW_PIXELS = _STRETCH + 32
# How far (8-bit levels) the old pixels found may stray outside 0-255, away from the edge
# rows and columns left out.
_RANGE_SLACK = 16
_EDGE = 4
# Lines solved at once along an axis (bounds the temporaries on a large image).
_LINES_AT_ONCE = 512


class Grid(NamedTuple):
    """Where an enlargement put its new pixels along an axis, as far as the image shows."""

    # Old pixels per new pixel.
    scale: float
    # Where new pixel 0 lies, in old pixels past Pillow's place for it (modulo 1).
    phase: float
    # How much better that start fits than the worst one: about 1 where the image shows
    # no grid.
    contrast: float
    # Each kernel's least-squares residue there (RMS, 8-bit levels) on a sample of lines.
    residues: dict[str, float]


class Undone(NamedTuple):
    """An image brought back to the old pixels of its enlargement."""

    gray: np.ndarray
    kernel: str
    # The grids along the rows' axis (0) and the columns' (1).
    grids: tuple[Grid, Grid]


def enlargement_operator(
    new: int, scale: float, phase: float, kernel: str
) -> tuple[sparse.csr_matrix, int]:
    """A (``new`` x old) for an enlargement by ``1 / scale`` whose new pixel j lies at
    ``(j + 1/2) * scale - 1/2 + phase`` in old pixels: every old pixel the kernel reaches
    is a column, those past the image's edges included (a crop has neighbours there; an
    uncropped image's edge pixels are then fitted freely)."""
    weigh, support = KERNELS[kernel]
    places = (np.arange(new) + 0.5) * scale - 0.5 + phase
    first = int(np.floor(places[0] - support)) + 1
    taps = int(np.ceil(2 * support)) + 1
    columns = np.floor(places - support).astype(int)[:, None] + 1 + np.arange(taps)
    weights = weigh(columns - places[:, None])
    weights /= weights.sum(axis=1, keepdims=True)
    old = int(columns.max()) - first + 1
    rows = np.repeat(np.arange(new), taps)
    return sparse.csr_matrix(
        (weights.ravel(), (rows, (columns - first).ravel())), shape=(new, old)
    ), first


def _banded_normal(operator: sparse.csr_matrix) -> np.ndarray:
    """The ridge-regularised normal matrix of ``operator``, in the upper banded form that
    ``solveh_banded`` takes."""
    normal = (operator.T @ operator).todia()
    reach = int(np.abs(normal.offsets).max())
    banded = np.zeros((reach + 1, normal.shape[0]))
    for offset in range(reach + 1):
        banded[reach - offset, offset:] = normal.diagonal(offset)
    banded[reach] += _RIDGE
    return banded


def _least_squares(operator: sparse.csr_matrix) -> Callable[[np.ndarray], np.ndarray]:
    """For lines (columns) of new pixels, the old lines whose enlargement by ``operator``
    comes nearest them, ridge-regularised (the normal matrix built once)."""
    banded = _banded_normal(operator)
    return lambda lines: solveh_banded(banded, operator.T @ lines, check_finite=False)


def find_grid(gray: np.ndarray, axis: int, factor: float) -> Grid:
    """Where an enlargement of ``gray`` along ``axis`` by about ``factor`` put its new
    pixels (the exact scale and the start), and how well each kernel fits there."""
    lines = np.moveaxis(gray, axis, 0)
    new, across = lines.shape
    length = min(new, _STRETCH)
    picked = np.linspace(0, across - 1, min(across, _SAMPLED_LINES)).round().astype(int)
    # New pixels near a stretch's ends depend on old pixels the stretch barely sees.
    margin = int(np.ceil(3 * factor))
    inner = slice(margin, length - margin)

    def residue(start: int, kernel: str, scale: float, place: float) -> float:
        """The fit's residue on the stretch from new pixel ``start``, whose first pixel
        lies ``place`` past Pillow's place for a first pixel (the whole old pixels
        before it do not matter); NaN where too little of it is free of clipping."""
        sample = lines[start : start + length, picked].astype(np.float64)
        unclipped = ((sample > 0) & (sample < 255))[inner]
        if unclipped.mean() < _UNCLIPPED_AT_LEAST:
            return float("nan")
        operator, _ = enlargement_operator(length, scale, place, kernel)
        rebuilt = operator @ _least_squares(operator)(sample)
        return float(np.sqrt(np.mean(np.square(rebuilt - sample)[inner][unclipped])))

    def refined(start: int, kernel: str, scale: float, near: float) -> float:
        """The place of the stretch's first pixel that fits best near ``near``: on the
        fine grid, then at the vertex of the parabola through the best and its
        neighbours."""
        fine = np.array([residue(start, kernel, scale, near + step) for step in _FINE_PHASES])
        nearest = int(np.clip(np.argmin(fine), 1, fine.size - 2))
        before, at, after = fine[nearest - 1 : nearest + 2]
        curvature = before - 2 * at + after
        shift = 0.5 * (before - after) / curvature if curvature > 0 else 0.0
        step = _FINE_PHASES[1] - _FINE_PHASES[0]
        return (near + _FINE_PHASES[nearest] + float(np.clip(shift, -1, 1)) * step) % 1.0

    def coarsely(start: int, scale: float) -> dict[float, float]:
        return {place: residue(start, "bicubic", scale, place) for place in _COARSE_PHASES}

    def located(kernel: str, scale: float, near: float, near_last: float) -> tuple[float, float]:
        """(scale, place of new pixel 0), refined near ``near`` at the axis's start and
        near ``near_last`` at its end: the drift between the ends' places corrects the
        scale (the factor found from the spectrum is off by less than half an old pixel
        over the whole axis)."""
        first_place = refined(0, kernel, scale, near)
        last = new - length
        if last > 0:
            drift = refined(last, kernel, scale, near_last) - (first_place + last * scale)
            scale += (drift - np.round(drift)) / last
        return scale, first_place

    # Keys' cubic stands in for the kernel while the start is first looked for:
    # interpolating kernels all put a new pixel that falls on an old one equal to it, so
    # they fit best at nearly the same place.
    scale = 1.0 / factor
    coarse = coarsely(0, scale)
    at_end = coarsely(new - length, scale)
    scale, first_place = located(
        "bicubic", scale, min(coarse, key=coarse.get), min(at_end, key=at_end.get)
    )
    middle = (new - length) // 2

    def at_middle(kernel: str, place: float) -> float:
        return residue(middle, kernel, scale, (place + middle * scale) % 1.0)

    residues = {kernel: at_middle(kernel, first_place) for kernel in KERNELS}
    fitting = min(residues, key=residues.get)
    # Again with the kernel that fits and the corrected scale: a stretch fitted with the
    # spectrum's factor drifts a little along its length, and the start with it.
    scale, first_place = located(fitting, scale, first_place, first_place + (new - length) * scale)
    residues = {kernel: at_middle(kernel, first_place) for kernel in KERNELS}
    # Measured in the middle, where an image's content usually is (a flat stretch fits
    # every start alike), against the start that fit worst.
    worst = at_middle(fitting, max(coarse, key=coarse.get))
    return Grid(scale, first_place, worst / max(residues[fitting], 1e-9), residues)


def _undo_axis(gray: np.ndarray, axis: int, grid: Grid, kernel: str) -> np.ndarray:
    """``gray`` with ``axis`` brought back to the old pixels of an enlargement by
    ``kernel`` on ``grid``, keeping those whose extent lies within the new image's."""
    lines = np.moveaxis(gray, axis, 0)
    new = lines.shape[0]
    operator, first = enlargement_operator(new, grid.scale, grid.phase, kernel)
    extent_start = grid.phase - 0.5  # the new image's extent, in old pixels
    extent_stop = new * grid.scale + grid.phase - 0.5
    # An old pixel centred on the extent's edge counts as within, whichever side of it
    # the start found puts it.
    keep = slice(
        int(np.ceil(extent_start - _EDGE_TOLERANCE)) - first,
        int(np.floor(extent_stop + _EDGE_TOLERANCE)) + 1 - first,
    )
    solved = _least_squares(operator)
    undone = np.empty((keep.stop - keep.start, lines.shape[1]), dtype=np.float32)
    for begin in range(0, lines.shape[1], _LINES_AT_ONCE):
        block = lines[:, begin : begin + _LINES_AT_ONCE].astype(np.float64)
        undone[:, begin : begin + _LINES_AT_ONCE] = solved(block)[keep]
    return np.moveaxis(undone, 0, axis)


def _noise_unevenness(grid: Grid, kernel: str) -> float:
    """How unevenly the inverse passes rounding noise on to the old pixels on ``grid``:
    the largest spread over the smallest (from the diagonal of the inverse normal
    matrix), over the old pixels in the middle of a stretch of two."""
    operator, _ = enlargement_operator(2 * _STRETCH, grid.scale, grid.phase, kernel)
    banded = _banded_normal(operator)
    inverse = solveh_banded(banded, np.eye(banded.shape[1]), check_finite=False)
    spread = np.sqrt(np.diag(inverse))
    middle = spread[spread.size // 4 : -(spread.size // 4)]
    return float(middle.max() / middle.min())


def undo_enlargement(gray: np.ndarray, factor: float) -> Undone | None:
    """``gray`` brought back to the old pixels of an enlargement by about ``factor`` on
    both axes, by the one kernel that fits both best; None where an axis is too short to
    locate the grid at both its ends (MIN_NEW_PIXELS), where the image does not show
    clearly which enlargement it was (UNDERSTOOD_FROM), or where undoing it would print a
    grain of its own (_EVEN_NOISE_WITHIN)."""
    if min(gray.shape) < MIN_NEW_PIXELS:
        return None
    grids = (find_grid(gray, 0, factor), find_grid(gray, 1, factor))
    # (NaN where too few lines are free of clipping: never understood.)
    if not all(grid.contrast >= UNDERSTOOD_FROM for grid in grids):
        return None
    joint = {kernel: sum(grid.residues[kernel] ** 2 for grid in grids) for kernel in KERNELS}
    best, runner_up = sorted(joint, key=joint.get)[:2]
    if not joint[runner_up] >= joint[best] * _KERNEL_MARGIN**2:
        return None
    if max(_noise_unevenness(grid, best) for grid in grids) > _EVEN_NOISE_WITHIN:
        return None
    undone = _undo_axis(_undo_axis(gray, 0, grids[0], best), 1, grids[1], best)
    # The old pixels found must be pixels: within the 8-bit range but for the rounding
    # passed on (and the edges, which fewer new pixels see). Far outside it, clipping or
    # another resampling broke the linear model the inverse assumes.
    inner = undone[_EDGE:-_EDGE, _EDGE:-_EDGE]
    if inner.min() < -_RANGE_SLACK or inner.max() > 255 + _RANGE_SLACK:
        return None
    return Undone(undone, best, grids)
