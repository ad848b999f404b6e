"""Aligned double JPEG compression: blocks that lack the double-quantisation pattern.

Method: Z. Lin, J. He, X. Tang and C.-K. Tang, "Fast, automatic and fine-grained tampered
JPEG image detection via DCT coefficient analysis", Pattern Recognition 42(11), 2009.
When a JPEG is decompressed and saved again on the same 8x8 grid with a finer
quantisation, the histograms of its DCT coefficients become periodic: some values are
crowded, others nearly empty. A region pasted in before the second save was compressed
only once (its first compression, if any, was on another grid), so its coefficients fall
evenly between crowded and empty values. For each low-frequency coefficient whose
histogram is periodic, each block's value is scored by the likelihood ratio of the
periodic histogram against its locally smoothed version; the block's evidence is the sum
over coefficients (Lin et al.'s independence assumption, here averaged over the periodic
coefficients so images with more or fewer of them compare), smoothed over neighbouring
blocks.

The coefficients are recovered from the decoded luma plane, before colour conversion, by
the block DCT and the file's own quantisation table: the decoder's rounding (a standard
deviation of 0.29 per coefficient) is well under half of any quantisation step of 2 or
more, so the stored integers come back exactly for almost all coefficients, and a
Huffman decoder written in Python (seconds per megapixel) is not needed.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from scipy import ndimage, special

from ..blocks import whole_blocks
from ..image import Image
from ..jpeg import luma_plane, luma_quantization
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
from ..strips import STRIP_ROWS, row_strips

# The first coefficients in zigzag order after DC, as (row, column) of the 8x8 block.
_ZIGZAG = [
    (0, 1),
    (1, 0),
    (2, 0),
    (1, 1),
    (0, 2),
    (0, 3),
    (1, 2),
    (2, 1),
    (3, 0),
    (4, 0),
    (3, 1),
    (2, 2),
    (1, 3),
    (0, 4),
    (0, 5),
    (1, 4),
    (2, 3),
    (3, 2),
    (4, 1),
    (5, 0),
]
# Coefficient values considered in a histogram (larger ones are rare and uninformative).
_MAX_VALUE = 40
# A histogram is periodic when its periodic component stands this far above the rest of
# its spectrum (ratio of the peak to the median of the spectrum's magnitudes).
_MIN_PERIODICITY = 4.0
# Probability of a single compression from which a block counts as lacking the pattern.
_LACKING = 0.6
# A region without the pattern counts from this many blocks (32 x 32 pixels).
_MIN_BLOCKS = 16
# Images smaller than this on a side have too few blocks to compare.
_MIN_SIDE = 64


@analysis(
    id="double_jpeg",
    title="Double JPEG compression",
    group="compression",
    help=(
        "For JPEG files that were saved twice on the same grid (the usual history of an "
        "edited JPEG), bright blocks lack the trace the double save leaves in the "
        "coefficients: they were compressed once only, as a region pasted in before the "
        "last save is. Dark blocks carry the trace. Only JPEG files can be checked, and only "
        "when the first save was at a lower quality than the last. Common false alarms: "
        "flat and saturated areas (no coefficients to judge), very dark regions, and images "
        "whose last save used a coarser quality than the first (no pattern anywhere)."
    ),
)
def double_jpeg(
    image: Image,
    coefficients: Annotated[int, Param("Low-frequency coefficients examined", 5, 20, 1)] = 12,
    smoothing: Annotated[int, Param("Blocks averaged around each block", 1, 9, 2)] = 3,
) -> Result:
    table = luma_quantization(image.data) if image.format in ("JPEG", "MPO") else None
    luma = luma_plane(image.data) if table is not None else None
    if luma is None:
        return Result(
            reason="Not a JPEG file with a luma channel: there is no double compression to check."
        )
    if min(luma.shape) < _MIN_SIDE:
        return Result(reason=f"Too small to check (under {_MIN_SIDE} pixels a side).")
    blocks = block_coefficients(luma, table)  # rows x cols x 8 x 8

    evidence = np.zeros(blocks.shape[:2])
    periodic = []
    for row, col in _ZIGZAG[:coefficients]:
        values = blocks[:, :, row, col]
        ratio = _periodic_log_ratio(values)
        if ratio is not None:
            evidence += ratio
            periodic.append(f"({row},{col})")
    if not periodic:
        return Result(
            reason="No double-compression pattern in the coefficients: saved once, or last "
            "saved at a lower quality than before; nothing to compare.",
            findings=[
                statistic("Coefficients with a double-compression pattern", 0, f"of {coefficients}")
            ],
        )

    smoothed = ndimage.uniform_filter(evidence / len(periodic), size=smoothing, mode="nearest")
    # Below zero the block's values sit between the crowded ones: compressed once.
    single = special.expit(-4.0 * smoothed)
    # Blocks with nothing to judge (all coefficients zero) sit at exactly 0.5: only clear
    # evidence of a single compression counts.
    lacking = single >= _LACKING
    largest, _ = largest_region(lacking, _MIN_BLOCKS)
    score = calibrated(largest, REGION_CLEAN, REGION_SUSPICIOUS)
    findings = [
        statistic(
            "Coefficients with a double-compression pattern", len(periodic), f"of {coefficients}"
        ),
        statistic("Largest region without the pattern", largest, "fraction of image"),
        statistic("Blocks without the pattern", lacking.mean(), "fraction"),
    ]
    if largest >= REGION_CLEAN:
        reason = (
            f"The file was saved twice, but a region covering {largest:.1%} of it was "
            "compressed only once: pasted or replaced before the last save."
        )
    else:
        reason = "Saved twice, and the whole image carries the double-compression pattern."
    return Result(
        score=score,
        reason=reason,
        maps={
            "single_compressed": Map(
                expand_blocks(single, 8, image.height, image.width),
                colormap="inferno",
                legend="probability of a single compression (bright: no double-save trace)",
            )
        },
        findings=findings,
    )


def _dct_matrix() -> np.ndarray:
    """The orthonormal 8-point DCT-II, JPEG's transform (ITU-T T.81, A.3.3)."""
    k, n = np.meshgrid(np.arange(8), np.arange(8), indexing="ij")
    matrix = np.sqrt(2 / 8) * np.cos((2 * n + 1) * k * np.pi / 16)
    matrix[0] /= np.sqrt(2)
    return matrix


def block_coefficients(luma: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Quantised DCT coefficients of each whole 8x8 block: rows x cols x 8 x 8 integers.

    A strip of block rows at a time: the float64 temporaries of a 50-megapixel image's
    transform would take over a gigabyte; each block's numbers are the same.
    """
    dct = _dct_matrix()
    quantised = np.empty((luma.shape[0] // 8, luma.shape[1] // 8, 8, 8), np.int32)
    for rows in row_strips(quantised.shape[0], STRIP_ROWS // 8):
        strip = luma[rows.start * 8 : rows.stop * 8].astype(np.float64)
        coefficients = dct @ (whole_blocks(strip, 8) - 128.0) @ dct.T
        quantised[rows] = np.rint(coefficients / table)
    return quantised


def _periodic_log_ratio(values: np.ndarray) -> np.ndarray | None:
    """Per block, log of the histogram over its smoothed self at the block's value, for a
    coefficient whose histogram is periodic; None where it is not."""
    # intp: bincount and indexing take only the platform integer (32-bit in wasm).
    clipped = (np.clip(values, -_MAX_VALUE, _MAX_VALUE) + _MAX_VALUE).astype(np.intp)
    histogram = np.bincount(clipped.ravel(), minlength=2 * _MAX_VALUE + 1).astype(np.float64)
    histogram[_MAX_VALUE] = 0.0  # zeros dominate and say little about the period
    period = _period(histogram)
    if period is None:
        return None
    smooth = ndimage.correlate1d(histogram, _period_window(period), mode="reflect")
    ratio = np.log((histogram + 1.0) / (smooth + 1.0))
    ratio[_MAX_VALUE] = 0.0
    ratio[[0, -1]] = 0.0  # the clipped ends pool all larger values
    return ratio[clipped]


def _period_window(period: int) -> np.ndarray:
    """Weights averaging over exactly one period, centred: an even period takes half of
    each end bin (period 2: 1/4, 1/2, 1/4)."""
    weights = np.ones(period + 1 - period % 2)
    if period % 2 == 0:
        weights[[0, -1]] = 0.5
    return weights / weights.sum()


def _period(histogram: np.ndarray) -> int | None:
    """The histogram's period (2 or more bins) if it has a clear one, else None."""
    total = histogram.sum()
    if total < 200:
        return None
    spectrum = np.abs(np.fft.rfft(histogram - ndimage.uniform_filter1d(histogram, 9)))
    frequencies = np.fft.rfftfreq(histogram.size)
    usable = (frequencies > 0.1) & (frequencies <= 0.5)
    if not usable.any():
        return None
    peak = np.flatnonzero(usable)[np.argmax(spectrum[usable])]
    if spectrum[peak] < _MIN_PERIODICITY * np.median(spectrum[usable]):
        return None
    return max(2, round(1 / frequencies[peak]))
