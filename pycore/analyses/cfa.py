"""Colour filter array (demosaicing) traces: regions that lack them were not photographed.

Method: P. Ferrara, T. Bianchi, A. De Rosa and A. Piva, "Image forgery localization via
fine-grained analysis of CFA artifacts", IEEE Trans. Information Forensics and Security
7(5), 2012. A colour camera measures green at only half of the pixels (a quincunx) and
interpolates the rest, so the error of predicting green from its four neighbours is much
smaller at the interpolated half than at the measured half. The local variance of that
error is taken on each lattice (simplified here to the mean square over a pixel and its
four same-lattice neighbours), and per 8x8 block the log ratio of the geometric means of
the two lattices' variances is the feature: large where demosaicing traces are present,
near zero where they are not (generated, inpainted, pasted from another source,
resampled). As in the paper, a two-component Gaussian
mixture, one component fixed at zero, gives each block's probability of lacking them.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from scipy import ndimage

from ..blocks import whole_blocks
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
from ..strips import halo_strips

_BLOCK = 8
# The image must show demosaicing traces overall (median block feature) to be judged.
_MIN_TRACE = 0.5
# A region without traces counts from this many blocks (32 x 32 pixels).
_MIN_BLOCKS = 16
# Images smaller than this on a side have too few blocks to compare.
_MIN_SIDE = 64


@analysis(
    id="cfa",
    title="Demosaicing (CFA) traces",
    group="camera",
    help=(
        "Colour cameras measure each colour at only some pixels and interpolate the rest, "
        "which leaves a fine regular trace. Bright blocks lack it while the rest of the image "
        "has it: they were not photographed with the same camera, as generated, inpainted, "
        "pasted or resized areas are not. Only colour images straight from a colour camera "
        "carry the trace; JPEG compression, resizing and monochrome cameras (most "
        "microscopes) remove it, and then nothing is judged. Common false alarms: flat or "
        "saturated areas and very dark regions, where there is too little signal."
    ),
)
def cfa(
    image: Image,
    smoothing: Annotated[int, Param("Blocks averaged around each block", 1, 9, 2)] = 3,
) -> Result:
    if image.channels != 3:
        return Result(reason="A grayscale image has no colour filter array traces to check.")
    if min(image.width, image.height) < _MIN_SIDE:
        return Result(reason=f"Too small to check (under {_MIN_SIDE} pixels a side).")
    green = image.unit(channel=1)
    feature, lattice = block_feature(green)
    trace = float(np.median(feature))
    findings = [
        statistic("Demosaicing trace (median block)", trace, "log variance ratio"),
        {"statistic": "Measured green lattice", "value": lattice, "unit": ""},
    ]
    if trace < _MIN_TRACE:
        return Result(
            findings=findings,
            reason=(
                "No demosaicing trace in this image (compressed, resized, or not from a colour "
                "camera): nothing to compare."
            ),
        )

    smoothed = ndimage.uniform_filter(feature, size=smoothing, mode="nearest")
    lacking = _posterior_without_trace(smoothed)
    largest, _ = largest_region(lacking >= 0.5, _MIN_BLOCKS)
    score = calibrated(largest, REGION_CLEAN, REGION_SUSPICIOUS)
    findings.append(statistic("Largest region without the trace", largest, "fraction of image"))
    if largest >= REGION_CLEAN:
        reason = (
            f"A region covering {largest:.1%} of the image lacks the demosaicing trace "
            "the rest has: it did not come from the same camera capture."
        )
    else:
        reason = "The demosaicing trace is present across the image."
    return Result(
        score=score,
        reason=reason,
        maps={
            "missing_trace": Map(
                expand_blocks(lacking, _BLOCK, image.height, image.width),
                colormap="inferno",
                legend="probability that the block lacks the demosaicing trace",
            )
        },
        findings=findings,
    )


def block_feature(green: np.ndarray) -> tuple[np.ndarray, str]:
    """Ferrara's feature per 8x8 block and which quincunx lattice holds the measured green.

    Returns log(GM of variance on the measured lattice / GM on the interpolated one),
    positive where demosaicing traces are present.
    """
    # The local variance is simplified to the mean square of the error over a pixel and its
    # four diagonal neighbours, all on the same quincunx lattice (Ferrara et al. weight a
    # 7x7 same-lattice window); its log averaged per lattice gives log geometric means.
    same_lattice = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]]) / 5.0
    # A strip of rows at a time (whole blocks), each with the two rows either side that the
    # two 3x3 filters reach: the same values as the whole image at once, in far less memory.
    even = (np.add.outer(np.arange(_BLOCK), np.arange(_BLOCK)) % 2) == 0  # blocks start even
    block_rows = []
    for _, context, inner in halo_strips(green.shape[0], 2):
        strip = green[context]
        predicted = ndimage.correlate(
            strip, np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]) / 4.0, mode="reflect"
        )
        error = (strip - predicted) ** 2
        local = ndimage.correlate(error, same_lattice, mode="reflect")[inner]
        log_variance = whole_blocks(np.log(local + 1e-6), _BLOCK)
        block_rows.append(
            log_variance[:, :, even].mean(axis=2) - log_variance[:, :, ~even].mean(axis=2)
        )
    difference = np.concatenate(block_rows)
    # The measured lattice is the one with the larger prediction error, image-wide.
    if np.median(difference) >= 0:
        return difference, "even (x + y)"
    return -difference, "odd (x + y)"


def _posterior_without_trace(feature: np.ndarray, iterations: int = 30) -> np.ndarray:
    """Per block, the posterior of the zero-mean component of a two-Gaussian mixture.

    Ferrara et al. fix the mean of the 'no trace' component at 0 and fit the rest by
    expectation-maximisation.
    """
    values = feature.ravel()
    mean = float(np.median(values))
    spread_trace = spread_none = max(float(values.std()), 1e-3)
    share_none = 0.1
    for _ in range(iterations):
        none = share_none * _gaussian(values, 0.0, spread_none)
        trace = (1 - share_none) * _gaussian(values, mean, spread_trace)
        responsibility = none / np.maximum(none + trace, 1e-300)
        share_none = float(np.clip(responsibility.mean(), 1e-3, 0.999))
        spread_none = max(
            float(np.sqrt((responsibility * values**2).sum() / max(responsibility.sum(), 1e-9))),
            1e-3,
        )
        weights = 1 - responsibility
        mean = float((weights * values).sum() / max(weights.sum(), 1e-9))
        spread_trace = max(
            float(np.sqrt((weights * (values - mean) ** 2).sum() / max(weights.sum(), 1e-9))), 1e-3
        )
    none = share_none * _gaussian(values, 0.0, spread_none)
    trace = (1 - share_none) * _gaussian(values, mean, spread_trace)
    return (none / np.maximum(none + trace, 1e-300)).reshape(feature.shape)


def _gaussian(values: np.ndarray, mean: float, spread: float) -> np.ndarray:
    return np.exp(-0.5 * ((values - mean) / spread) ** 2) / spread
