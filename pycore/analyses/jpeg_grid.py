"""JPEG blocking grid: regions whose 8x8 block grid is missing or shifted.

Method: W. Li, Y. Yuan and N. Yu, "Passive detection of doctored JPEG image via block
artifact grid extraction", Signal Processing 89(9), 2009. JPEG quantises each 8x8 block on
its own, so a JPEG-compressed image has slightly larger second differences across block
boundaries: a grid with a period of 8 pixels. Where a region was pasted from another JPEG
(its grid lands elsewhere) or from an uncompressed source, or was smoothed, retouched or
resampled after compression, the local grid is shifted or gone. The absolute second
differences (clipped, so edges of the content weigh little) are folded modulo 8 over each
tile, horizontally and vertically; each tile's grid is compared with the image's own.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from scipy import ndimage

from ..image import Image
from ..registry import Param, analysis
from ..result import (
    REGION_CLEAN,
    REGION_SUSPICIOUS,
    Map,
    Result,
    calibrated,
    expand_blocks,
    largest_region,
    statistic,
)
from ..strips import block_strip_rows, halo_strips, row_strips

_PERIOD = 8
# Second differences above this (levels) are content edges, not blocking: clipped.
_CLIP = 12.0
# The image's grid must be this consistent across tiles (Student's t of the tiles' grid
# strength at the image's phase, in both directions) for it to count as JPEG-compressed.
_MIN_GLOBAL_GRID = 8.0
# Tiles whose mean absolute gradient is below this (levels) are too flat to show a grid.
_MIN_ACTIVITY = 0.5
# A grid strength (profile spreads) a tile's grid is seen clearly from.
_CLEAR_GRID = 2.0
# A shifted grid must stand this far (profile spreads) above the tile's value at the
# image's phase.
_SHIFT_MARGIN = 0.5
# A tile is off the grid from this inconsistency, and regions count from this many tiles.
_TILE_THRESHOLD = 0.6
_MIN_TILES = 3
# Fewer tiles than this leave nothing to compare the image's grid with.
_MIN_TILES_TO_COMPARE = 4


@analysis(
    id="jpeg_grid",
    title="JPEG block grid",
    group="compression",
    help=(
        "JPEG leaves a faint grid every 8 pixels. Bright tiles have no grid where the rest "
        "of the image has one, or a grid shifted from the image's: the signs of a region "
        "pasted from another picture, or retouched, resized or blurred after compression. "
        "A shifted grid is strong evidence; a missing one is weaker (smooth areas and "
        "texture hide the grid too), so it shows on the map but seldom decides the verdict. "
        "Only images that went through JPEG have a grid to check. Common false alarms: flat "
        "or dark areas and very fine texture (the grid is too faint to measure there), and "
        "images compressed at very high quality."
    ),
)
def jpeg_grid(
    image: Image,
    tile: Annotated[
        int, Param("Side of the tiles compared with the image (pixels)", 32, 256, 16)
    ] = 64,
) -> Result:
    gray = image.gray()
    tile = max(_PERIOD * 2, min(tile, *gray.shape) // _PERIOD * _PERIOD)
    rows, cols = gray.shape[0] // tile, gray.shape[1] // tile
    if rows * cols < _MIN_TILES_TO_COMPARE:
        return Result(reason="Too small to compare block grids across the image.")
    # Folded profiles per tile: tiles x 8 phases, for vertical and horizontal grid lines.
    vertical_lines = _folded_blocking(gray, tile, rows, cols, axis=1)
    horizontal_lines = _folded_blocking(gray, tile, rows, cols, axis=0)

    active = _activity(gray, tile, rows, cols) >= _MIN_ACTIVITY
    global_phase, global_strength = [], []
    shifted, missing = np.zeros((rows, cols)), np.ones((rows, cols))
    for profiles in (vertical_lines, horizontal_lines):
        grid = _boundary_excess(profiles)
        phase = int(np.argmax(grid[active].mean(axis=0))) if active.any() else 0
        global_phase.append(phase)
        global_strength.append(_consistency(grid[active][:, phase]))
        shift, absence = _tile_inconsistency(grid, phase, active)
        shifted = np.maximum(shifted, shift)  # a shift along either axis is a shift
        missing = missing * absence  # a grid is gone when gone along both axes
    grid_found = min(global_strength) >= _MIN_GLOBAL_GRID
    measured = active & grid_found
    shifted = np.where(measured, shifted, 0.0)
    inconsistency = np.where(measured, np.maximum(shifted, np.sqrt(missing)), 0.0)

    # Only shifted grids decide the score (an absent grid is too often smooth content); a
    # tile or two alone are as likely noise as a finding, so regions need several tiles.
    largest, _ = largest_region(shifted >= _TILE_THRESHOLD, _MIN_TILES)
    # Without a grid there is nothing to compare: no score rather than a "clean" claim.
    score = calibrated(largest, REGION_CLEAN, REGION_SUSPICIOUS) if grid_found else None
    per_pixel = expand_blocks(inconsistency, tile, image.height, image.width)

    findings = [
        statistic("Grid strength, vertical lines", global_strength[0], "t statistic"),
        statistic("Grid strength, horizontal lines", global_strength[1], "t statistic"),
        {
            "statistic": "Grid phase (x, y)",
            "value": f"{global_phase[0]}, {global_phase[1]}",
            "unit": "pixels",
        },
        statistic("Largest region with a shifted grid", largest, "fraction of tiles"),
        statistic(
            "Tiles with a missing grid",
            np.mean(np.sqrt(missing)[measured] >= 0.6) if measured.any() else 0.0,
            "fraction of measured tiles",
        ),
    ]
    if not grid_found:
        reason = "No JPEG block grid in this image (never JPEG-compressed, or at very high "
        reason += "quality): nothing to compare."
    elif largest:
        reason = (
            f"Tiles covering {largest:.1%} of the image have their 8x8 grid shifted from the "
            "rest of the image's: pasted from another JPEG."
        )
    else:
        reason = "The JPEG block grid is consistent across the image."
    return Result(
        score=score,
        reason=reason,
        maps={
            "grid_mismatch": Map(
                per_pixel,
                colormap="inferno",
                legend="tile's grid missing or shifted (0 = consistent)",
            )
        },
        findings=findings,
    )


# Rows the weak-edge filters reach along y: the second difference 1, the local mean 4.
_BLOCKING_REACH = 5


def _folded_blocking(gray: np.ndarray, tile: int, rows: int, cols: int, axis: int) -> np.ndarray:
    """:func:`_fold` of :func:`_blocking` over the whole tiles, a strip of tile rows at a
    time with the rows the filters reach (no full-size float64 temporaries)."""
    reach = _BLOCKING_REACH if axis == 0 else 0
    folded = []
    for _, context, inner in halo_strips(gray.shape[0], reach, block_strip_rows(tile), rows * tile):
        weak_edges = _blocking(gray[context], axis)[inner, : cols * tile]
        folded.append(_fold(weak_edges, tile, axis))
    return np.concatenate(folded)


def _blocking(gray: np.ndarray, axis: int) -> np.ndarray:
    """Li et al.'s weak-edge map along ``axis``: the absolute second difference (clipped),
    minus its local mean along the same axis, which takes out smooth texture."""
    second = np.clip(np.abs(ndimage.correlate1d(gray, [-1.0, 2.0, -1.0], axis=axis)), 0, _CLIP)
    return second - ndimage.uniform_filter1d(second, size=9, axis=axis, mode="reflect")


def _fold(weak_edges: np.ndarray, tile: int, axis: int) -> np.ndarray:
    """Per tile and phase modulo 8 along ``axis``: rows x cols x 8.

    Along each grid line of a tile the median is taken (Li et al. use a median along the
    line too): a block boundary runs the tile's length, texture does not.
    """
    height, width = weak_edges.shape
    rows, cols = height // tile, width // tile
    blocks = weak_edges.reshape(rows, tile, cols, tile)
    if axis == 1:  # the phase runs along x: the median runs over y inside the tile
        lines = np.median(blocks, axis=1)  # rows x cols x tile (x)
    else:
        lines = np.median(blocks, axis=3).transpose(0, 2, 1)  # rows x cols x tile (y)
    return lines.reshape(rows, cols, tile // _PERIOD, _PERIOD).mean(axis=2)


def _boundary_excess(profiles: np.ndarray) -> np.ndarray:
    """Each tile's grid strength per boundary phase, in units of its profile's spread.

    A boundary shows in the two columns (or rows) beside it, so adjacent phases are
    paired; the excess over the profile's median is divided by its median absolute value.
    """
    paired = profiles + np.roll(profiles, -1, axis=2)
    excess = paired - np.median(paired, axis=2, keepdims=True)
    return excess / (np.median(np.abs(excess), axis=2, keepdims=True) + 1e-9)


def _consistency(values: np.ndarray) -> float:
    """Student's t of the tiles' strengths at one phase: is there a grid across the image?"""
    if values.size < 2:
        return 0.0
    return float(values.mean() / (values.std(ddof=1) + 1e-9) * np.sqrt(values.size))


def _tile_inconsistency(
    grid: np.ndarray, phase: int, active: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per tile, whether its grid is shifted (0 or 1), and how far it is gone (0 to 1).

    Shifted: the tile's own grid is clear, peaks two or more phases away from the image's,
    and stands clearly above what the tile shows at the image's phase. Gone: the tile's
    strength at the image's phase against the typical tile's there.
    """
    at_phase = grid[:, :, phase]
    best = grid.max(axis=2)
    distance = np.abs(grid.argmax(axis=2) - phase)
    away = np.minimum(distance, _PERIOD - distance) >= 2
    shifted = (away & (best >= _CLEAR_GRID) & (best - at_phase >= _SHIFT_MARGIN)).astype(float)
    # An absence needs a clear grid in the typical tile (a faint grid, as at high quality,
    # is often lost in one tile's noise).
    typical = max(float(np.median(at_phase[active])) if active.any() else 0.0, 1e-9)
    missing = np.clip(1 - at_phase / typical, 0, 1) if typical >= _CLEAR_GRID else 0.0
    return shifted, np.broadcast_to(missing, shifted.shape)


def _activity(gray: np.ndarray, tile: int, rows: int, cols: int) -> np.ndarray:
    """Mean absolute horizontal difference per tile: how much there is to see a grid in."""
    per_strip = []
    for strip in row_strips(rows * tile, block_strip_rows(tile)):
        part = gray[strip]
        steps = np.abs(np.diff(part, axis=1, append=part[:, -1:]))[:, : cols * tile]
        per_strip.append(steps.reshape(-1, tile, cols, tile).mean(axis=(1, 3)))
    return np.concatenate(per_strip)
