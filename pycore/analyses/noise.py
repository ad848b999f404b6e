"""Noise residual and local noise level: inconsistent noise marks spliced or retouched regions.

Methods: the residual is the image minus its median-filtered copy, which removes the
scene and keeps the sensor noise (as in H. Farid, "Photo Forensics", MIT Press 2016, ch. 6;
Forensically's noise analysis). The local noise level is estimated per block with
J. Immerkaer, "Fast Noise Variance Estimation", Computer Vision and Image Understanding
64(2), 1996: the image is filtered with a kernel that cancels smooth content, and the noise
standard deviation follows from the filtered values. We take their median absolute value,
not their mean, so edges in a block do not count as noise (up to half of it).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from scipy import ndimage

from ..image import Image
from ..registry import Param, analysis
from ..result import Map, Result, expand_blocks, statistic

# Immerkaer's kernel: the difference of two Laplacians; zero response to planes and ramps.
IMMERKAER_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float64)
# For white Gaussian noise of deviation sigma the filtered value has deviation 6 sigma
# (sqrt of the sum of squared kernel weights), and the median of |x| of a normal variable
# is 0.6745 of its deviation.
MEDIAN_ABS_TO_SIGMA = 1.0 / (6.0 * 0.6744897501960817)


@analysis(
    id="noise",
    title="Noise analysis",
    group="noise",
    help=(
        "Residual: what is left after removing the image content with a median filter; "
        "camera or detector noise looks like even grain everywhere. Noise level: the noise "
        "strength per block, relative to the image's typical level (mid-scale = typical, "
        "bright = noisier, dark = quieter). A region with clearly different noise from its "
        "surroundings may come from another image or have been smoothed, cloned or painted. "
        "Common false alarms: strong texture and edges (they read as noise), saturated or "
        "black background (no noise at all), and denoised or heavily compressed images."
    ),
)
def noise(
    image: Image,
    median_size: Annotated[
        int, Param("Size of the median filter that removes the content (pixels)", 3, 9, 2)
    ] = 3,
    block_size: Annotated[
        int, Param("Side of the blocks for the noise level (pixels)", 8, 128, 8)
    ] = 32,
    amplification: Annotated[float, Param("Multiplies the residual for display", 1, 50, 1)] = 10.0,
) -> Result:
    gray = image.gray()
    residual = gray - ndimage.median_filter(gray, size=median_size, mode="reflect")
    levels = block_noise_sigma(gray, block_size)

    typical = float(np.median(levels))
    # Normalise so the typical level sits mid-scale; the floor keeps noise-free synthetic
    # images from dividing by zero.
    scale = 2.0 * max(typical, 0.05)
    deviating = np.mean((levels > 2.0 * typical) | (levels < 0.5 * typical)) if typical > 0 else 0.0
    findings = [
        statistic("Noise sigma (median of blocks)", typical, "levels"),
        statistic("5th percentile of blocks", np.percentile(levels, 5), "levels"),
        statistic("95th percentile of blocks", np.percentile(levels, 95), "levels"),
        statistic("Blocks off the typical level by over 2x", deviating, "fraction"),
        statistic("Residual deviation", residual.std(), "levels"),
    ]
    return Result(
        reason=(
            f"Visual aid, not a verdict: typical noise sigma {typical:.2f} levels; "
            f"{deviating:.0%} of {block_size}-pixel blocks differ from it by over 2x."
        ),
        maps={
            "noise_level": Map(
                expand_blocks(levels / scale, block_size, image.height, image.width),
                colormap="viridis",
                legend=f"noise sigma per block, 0 to {scale:.3g} levels (mid = typical)",
            ),
            "residual": Map(
                np.abs(residual) * (amplification / 255.0),
                colormap="gray",
                legend=f"|median residual|, 0 to {255.0 / amplification:.3g} levels",
            ),
        },
        findings=findings,
    )


def block_noise_sigma(gray: np.ndarray, block_size: int) -> np.ndarray:
    """Immerkaer's noise deviation per ``block_size`` block, robust to edges.

    Returns an array of ceil(H / block_size) x ceil(W / block_size) values in the units of
    ``gray``; partial blocks at the right and bottom edges use the pixels they have.
    """
    filtered = np.abs(ndimage.correlate(gray.astype(np.float64), IMMERKAER_KERNEL, mode="reflect"))
    height, width = filtered.shape
    rows = -(-height // block_size)
    cols = -(-width // block_size)
    padded = np.full((rows * block_size, cols * block_size), np.nan)
    padded[:height, :width] = filtered
    blocks = padded.reshape(rows, block_size, cols, block_size).transpose(0, 2, 1, 3)
    medians = np.nanmedian(blocks.reshape(rows, cols, -1), axis=2)
    return medians * MEDIAN_ABS_TO_SIGMA
