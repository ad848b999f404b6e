"""Resampling traces: periodic correlations left where a region was resized or rotated.

Method: A. C. Popescu and H. Farid, "Exposing digital forgeries by detecting traces of
resampling", IEEE Trans. Signal Processing 53(2), 2005, in the fast form of M. Kirchner,
"Fast and reliable resampling detection by spectral analysis of fixed linear predictor
residue", ACM MM&Sec 2008. Interpolation makes each pixel a fixed linear combination of its
neighbours with a period set by the scaling factor. The residue of a fixed linear
predictor turned into a "p-map" (p = exp(-e^2)) is periodic in resampled areas; the
Fourier spectrum of the p-map over local tiles then has distinct peaks. Each tile's
strength is its spectral peak over the median of its spectrum (low frequencies, which are
the content, left out; in JPEG files the 8x8 grid frequencies too).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from numpy.lib.stride_tricks import as_strided
from scipy import ndimage

from ..image import Image
from ..jpeg import near_block_grid
from ..registry import Param, analysis
from ..result import Map, Result, calibrated, statistic
from ..strips import strip_map

# The smallest tile with frequencies to spare once the content's and JPEG's are left out.
_MIN_TILE = 32
# Kirchner's fixed predictor: each pixel from its 8 neighbours.
_PREDICTOR = np.array([[-0.25, 0.5, -0.25], [0.5, 0.0, 0.5], [-0.25, 0.5, -0.25]])
# Frequencies (cycles per pixel) below this are content, not resampling periods.
_MIN_FREQUENCY = 0.1
# How far from a multiple of 1/8 a JPEG grid frequency may be (cycles per pixel).
_GRID_TOLERANCE = 0.02
# Tiles whose p-map varies less than this are flat or saturated.
_MIN_P_DEVIATION = 0.05
# Peak over median of a tile's spectrum when nothing is periodic (64x64 tiles of noise).
_RANDOM_PEAK = 3.5
# Strongest tile over the typical textured tile, taken as clean and as suspicious
# (set so that few real images of ../shared/data/real are suspicious; bench/classical.py
# reports the false-alarm rate).
_CONTRAST_CLEAN = 3.0
_CONTRAST_SUSPICIOUS = 4.0


@analysis(
    id="resampling",
    title="Resampling (resized or rotated regions)",
    group="frequency",
    help=(
        "Bright tiles show a periodic pattern in how pixels depend on their neighbours: "
        "the trace of interpolation, left where a region was enlarged, shrunk or rotated "
        "before being pasted, or where the whole image was resized. Compare tiles with "
        "their surroundings: one bright patch in a dark image is the telling case. Common "
        "false alarms: images resized as a whole (everything bright), regular textures and "
        "periodic specimens, strong JPEG compression, and flat or saturated areas."
    ),
)
def resampling(
    image: Image,
    tile: Annotated[int, Param("Side of the analysed tiles (pixels)", 32, 256, 32)] = 64,
) -> Result:
    if min(image.width, image.height) < _MIN_TILE:
        return Result(reason=f"Too small to look for resampling (under {_MIN_TILE} pixels a side).")
    gray = image.gray()
    p_map = probability_map(gray)
    tile = min(tile, *gray.shape)
    step = tile // 2
    strengths = tile_peak_strength(p_map, tile, step, image.format in ("JPEG", "MPO"))

    strongest = float(strengths.max())
    textured = strengths[strengths > 1.0]
    if not textured.size:
        return Result(reason="Flat or saturated throughout: no residue to look for resampling in.")
    # The typical textured tile, never below what a random spectrum gives on its own.
    typical = max(float(np.median(textured)) if textured.size else 0.0, _RANDOM_PEAK)
    contrast = strongest / typical
    score = calibrated(contrast, _CONTRAST_CLEAN, _CONTRAST_SUSPICIOUS)
    scale = max(2 * _CONTRAST_SUSPICIOUS, contrast)
    per_pixel = nearest_tile_values(strengths / typical / scale, tile, step, gray.shape)
    findings = [
        statistic("Strongest tile", strongest, "peak over median"),
        statistic("Typical textured tile", typical, "peak over median"),
        statistic("Strongest over typical", contrast, "ratio"),
    ]
    if contrast >= _CONTRAST_SUSPICIOUS:
        reason = (
            f"A tile with a periodic interpolation trace {contrast:.1f}x stronger than "
            "the image's typical tile: this area was probably resized or rotated."
        )
    else:
        reason = (
            f"No local interpolation trace stands out (strongest tile {contrast:.1f}x "
            "the typical one)."
        )
    return Result(
        score=score,
        reason=reason,
        maps={
            "periodicity": Map(
                per_pixel,
                colormap="inferno",
                legend=f"tile periodicity over the typical tile, 0 to {scale:.3g}",
            )
        },
        findings=findings,
    )


def probability_map(gray: np.ndarray) -> np.ndarray:
    """exp(-residue^2) of the linear predictor's residue, a strip of rows at a time (with the
    row either side it reaches): no full-size temporaries on a large image."""

    def probability(part: np.ndarray) -> np.ndarray:
        return np.exp(-((part - ndimage.correlate(part, _PREDICTOR, mode="reflect")) ** 2))

    return strip_map(probability, gray, np.float64, halo=1)


def tile_peak_strength(p_map: np.ndarray, tile: int, step: int, skip_jpeg_grid: bool) -> np.ndarray:
    """For each ``tile`` window (every ``step`` pixels): spectral peak over spectral median."""
    window = np.outer(np.hanning(tile), np.hanning(tile))
    frequencies = np.fft.fftfreq(tile)
    fy, fx = np.meshgrid(frequencies, frequencies, indexing="ij")
    considered = np.hypot(fx, fy) >= _MIN_FREQUENCY
    if skip_jpeg_grid:
        considered &= ~(near_block_grid(fx, _GRID_TOLERANCE) & near_block_grid(fy, _GRID_TOLERANCE))
    rows = (p_map.shape[0] - tile) // step + 1
    strengths = np.empty((rows, (p_map.shape[1] - tile) // step + 1))
    for row in range(rows):  # a row of tiles at a time keeps memory small
        tiles = _row_of_tiles(p_map[row * step : row * step + tile], step)
        patches = tiles - tiles.mean(axis=(1, 2), keepdims=True)
        magnitude = np.abs(np.fft.fft2(patches * window))[:, considered]
        ratio = magnitude.max(axis=1) / np.maximum(np.median(magnitude, axis=1), 1e-12)
        # Flat or saturated tiles have no residue to be periodic: no evidence either way.
        textured = patches.reshape(len(patches), -1).std(axis=1) >= _MIN_P_DEVIATION
        strengths[row] = np.where(textured, ratio, 1.0)
    return strengths


def nearest_tile_values(
    values: np.ndarray, tile: int, step: int, shape: tuple[int, int]
) -> np.ndarray:
    """Each pixel takes the value of the tile whose centre is nearest to it."""
    rows, cols = (
        np.clip(np.rint((np.arange(size) - tile / 2) / step), 0, count - 1).astype(int)
        for size, count in zip(shape, values.shape, strict=True)
    )
    return values[rows[:, None], cols[None, :]]


def _row_of_tiles(strip: np.ndarray, step: int) -> np.ndarray:
    """Read-only view of the square tiles of a strip (as high as a tile), every ``step``
    pixels: count x tile x tile. One strip at a time keeps the view's nominal size small,
    which a 32-bit address space (wasm) needs on large images."""
    tile = strip.shape[0]
    count = (strip.shape[1] - tile) // step + 1
    row_stride, col_stride = strip.strides
    return as_strided(
        strip,
        shape=(count, tile, tile),
        strides=(col_stride * step, row_stride, col_stride),
        writeable=False,
    )
