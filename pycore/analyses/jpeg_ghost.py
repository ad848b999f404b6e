"""JPEG ghosts: a region once saved at another JPEG quality than the rest of the image.

Method: H. Farid, "Exposing Digital Forgeries From JPEG Ghosts", IEEE Trans. Information
Forensics and Security 4(1), 2009. Re-saving an image at quality q changes it least where
it was last quantised with q's tables. The image is re-saved over a range of qualities;
for each the squared difference is averaged over b x b windows and, per pixel, normalised
across the qualities to [0, 1] (Farid's eq. 3). Most of the image follows one curve (its
own history); a pasted region that was compressed at another quality has a local minimum
at that quality: its difference drops there and rises again at higher qualities, a
"ghost". Content never compressed only gets closer as the quality rises, so the map
measures, per 8x8 block, how far the depth of the curve's dip (below its values on both
sides) differs from the image's typical dip at the same quality - either way round: a
region pasted from a lower-quality JPEG has a dip the image lacks, a region pasted from
an uncompressed source into an image saved twice lacks the dip the image has - and the
quality where the difference is largest. Flat areas, which hardly change at any quality,
are left out: their normalised curves are noise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import numpy as np
from scipy import ndimage

from ..blocks import all_blocks
from ..image import Image
from ..jpeg import luma_plane, recompress
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
from ..strips import row_strips

_BLOCK = 8
# A pixel is in a ghost where its curve rebounds this much more than the image's usual.
_GHOST_DEPTH = 0.3
# Below this local standard deviation (levels) the image is too flat for ghosts.
_MIN_TEXTURE = 2.0
# A ghost region counts from this many 8x8 blocks (a 32 x 32 pixel square).
_MIN_BLOCKS = 16
# Images smaller than this on a side have too few blocks to compare.
_MIN_SIDE = 64


@analysis(
    id="jpeg_ghost",
    title="JPEG ghosts",
    group="compression",
    help=(
        "Bright regions were JPEG-compressed at another quality than most of the image: they "
        "change less than their surroundings when re-saved at that quality (the 'ghost'), or "
        "lack the ghost the rest of the image has, which is what a region pasted from "
        "another picture looks like. The second "
        "map gives the quality of each region's ghost. Only meaningful for images that went "
        "through JPEG at least once. Common false alarms: flat or saturated areas (which "
        "barely change at any quality), very dark regions, and strong texture next to flat "
        "background; a ghost matters when it outlines an object, not a kind of texture."
    ),
)
def jpeg_ghost(
    image: Image,
    lowest_quality: Annotated[int, Param("Lowest re-save quality", 30, 90, 5)] = 50,
    highest_quality: Annotated[int, Param("Highest re-save quality", 60, 100, 5)] = 95,
    step: Annotated[int, Param("Quality step", 1, 10, 1)] = 5,
    window: Annotated[int, Param("Averaging window (pixels)", 8, 64, 8)] = 16,
) -> Result:
    qualities = np.arange(lowest_quality, highest_quality + 1, step)
    if len(qualities) < 3:
        raise ValueError(
            "a ghost is a dip between qualities: give at least three "
            "(lowest_quality, highest_quality and step)"
        )
    if min(image.width, image.height) < _MIN_SIDE:
        return Result(reason=f"Too small for JPEG ghosts (under {_MIN_SIDE} pixels a side).")
    # A JPEG's own luma plane is what its encoder quantised; other files are re-saved from
    # their rounded luminance.
    gray = luma_plane(image.data)
    if gray is None:
        gray = np.rint(image.gray()).clip(0, 255).astype(np.uint8)
    curves, energetic = ghost_curves(gray, qualities, window)
    if not energetic.any():
        return Result(reason="Too flat throughout for JPEG ghosts to show.")
    # Depth of each curve's dip at each quality: how far it lies below its own values on
    # both sides (0 at the ends, and everywhere for a curve that only falls).
    before = np.maximum.accumulate(curves, axis=0)
    after = np.maximum.accumulate(curves[::-1], axis=0)[::-1]
    dips = np.minimum(before, after) - curves
    typical = np.median(dips[:, energetic], axis=1) if energetic.any() else np.zeros(len(qualities))
    # Either way round: a region with a dip the image lacks (pasted from a lower-quality
    # JPEG), or lacking the dip the image has (pasted from a source never saved at that
    # quality, into an image saved twice).
    excess = np.abs(np.where(energetic, dips - typical[:, None, None], 0.0))
    depth = excess.max(axis=0)
    ghost_quality = qualities[excess.argmax(axis=0)]
    ghost = depth >= _GHOST_DEPTH
    largest, region = largest_region(ghost, _MIN_BLOCKS)
    score = calibrated(largest, REGION_CLEAN, REGION_SUSPICIOUS)

    findings = [
        statistic("Largest ghost region", largest, "fraction of image"),
        statistic("Ghost area (all regions)", ghost.mean(), "fraction of image"),
        statistic("Deepest difference from the usual dip", depth.max(), "normalised difference"),
        statistic("Left out as flat", 1.0 - energetic.mean(), "fraction of image"),
    ]
    if region.any():
        region_quality = int(np.median(ghost_quality[region]))
        findings.append(statistic("Quality of the largest ghost", region_quality, "quality"))
    if largest >= REGION_CLEAN:
        reason = (
            f"A region covering {largest:.1%} of the image behaves differently at quality "
            f"{region_quality}: it was compressed differently from the rest."
        )
    else:
        reason = "No region was compressed at another quality than the rest."
    quality_map = (ghost_quality - lowest_quality) / (highest_quality - lowest_quality)

    def pixels(per_block: np.ndarray) -> np.ndarray:
        return expand_blocks(per_block, _BLOCK, image.height, image.width)

    return Result(
        score=score,
        reason=reason,
        maps={
            "ghost": Map(
                pixels(np.clip(depth / (2 * _GHOST_DEPTH), 0, 1)),
                colormap="inferno",
                legend=f"dip deeper than the usual, 0 to {2 * _GHOST_DEPTH:g}",
            ),
            "ghost_quality": Map(
                pixels(np.where(ghost, quality_map, 0)),
                colormap="viridis",
                legend=f"quality of the ghost, {lowest_quality} to {highest_quality} (dark: none)",
            ),
        },
        findings=findings,
    )


def ghost_curves(
    gray: np.ndarray, qualities: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Farid's normalised difference curves per 8x8 block (qualities x rows x cols, each
    in [0, 1]) and where they carry signal: where the image varies by at least
    ``_MIN_TEXTURE`` levels over the window (flat areas change alike at every quality).

    Differences are summed per 8x8 block (JPEG's own unit) and then averaged over
    ``window`` pixels, so the work after the re-saves is on 64 times fewer values.
    """
    span = max(window // _BLOCK, 1)

    def strip_block_means(values_of: Callable[[slice], np.ndarray]) -> np.ndarray:
        # Made and averaged a strip of whole blocks at a time: on a 50-megapixel image each
        # full-size float64 array would take 400 MB. Each block's mean is the same.
        return np.concatenate([_block_means(values_of(rows)) for rows in row_strips(len(gray))])

    def original(rows: slice) -> np.ndarray:
        return gray[rows].astype(np.float64)

    def smoothed_difference(quality: int) -> np.ndarray:
        resaved = recompress(gray[:, :, None], quality)[:, :, 0]
        squared = strip_block_means(lambda rows: (original(rows) - resaved[rows]) ** 2)
        return ndimage.uniform_filter(squared, span, mode="nearest")

    differences = np.stack([smoothed_difference(int(quality)) for quality in qualities])
    low, high = differences.min(axis=0), differences.max(axis=0)
    mean = ndimage.uniform_filter(strip_block_means(original), span, mode="nearest")
    square = ndimage.uniform_filter(
        strip_block_means(lambda rows: original(rows) ** 2), span, mode="nearest"
    )
    textured = square - mean**2 >= _MIN_TEXTURE**2
    return (differences - low) / np.maximum(high - low, 1e-9), textured


def _block_means(values: np.ndarray) -> np.ndarray:
    """Mean over each 8x8 block; partial blocks at the right and bottom use their pixels."""
    return np.nanmean(all_blocks(values, _BLOCK), axis=(2, 3))
