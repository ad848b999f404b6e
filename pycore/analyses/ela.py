"""Error level analysis (ELA): re-save as JPEG at a known quality and map the difference.

Method: N. Krawetz, "A Picture's Worth: Digital Image Analysis and Forensics", Black Hat
USA 2007. Regions that were compressed as often and as strongly as the rest of the image
reach a similar error level when re-saved; a pasted or retouched region, saved fewer times
or at another quality, stands out brighter or darker than similar content around it.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np

from ..image import Image, luma
from ..jpeg import recompress
from ..registry import Param, analysis
from ..result import Map, Result, scaled, statistic
from ..strips import row_strips


@analysis(
    id="ela",
    title="Error level analysis",
    group="compression",
    help=(
        "Bright areas changed more when the image was re-saved as JPEG at the chosen quality. "
        "Compare like with like: edges, text and fine texture are always brighter than flat "
        "areas. A region that is much brighter or darker than similar content around it was "
        "compressed a different number of times and may have been pasted or retouched. "
        "Common false alarms: high-contrast edges, saturated colours, and images that were "
        "never JPEG-compressed (then everything is bright and ELA says little). ELA misleads "
        "after heavy or repeated compression (everything is dark and alike), after resizing "
        "or sharpening of the whole image, and when textures of different kinds are "
        "compared with each other; it shows where to look, other analyses say what it is."
    ),
)
def ela(
    image: Image,
    quality: Annotated[int, Param("JPEG quality of the re-save", 50, 100, 1)] = 90,
    amplification: Annotated[
        float, Param("Multiplies the difference so small errors become visible", 1, 100, 1)
    ] = 20.0,
    channels: Annotated[
        str,
        Param(
            "luminance: error in brightness only (robust to chroma subsampling); "
            "colour: the largest error of R, G and B",
            choices=("luminance", "colour"),
        ),
    ] = "luminance",
) -> Result:
    # A grayscale image is re-saved as grayscale.
    original = image.rgb8()[:, :, :1] if image.channels == 1 else image.rgb8()
    resaved = recompress(original, quality)
    # Exact integer differences (int16), then float64 and no BLAS: the statistics must agree
    # to the last digits across runtimes. A strip of rows at a time: on a 50-megapixel image
    # each full-size float64 array takes 400 MB.
    error = np.empty(original.shape[:2])
    for rows in row_strips(original.shape[0]):
        difference = original[rows].astype(np.int16) - resaved[rows].astype(np.int16)
        if image.channels == 1:
            error[rows] = np.abs(difference[:, :, 0])
        elif channels == "luminance":
            # Luma is never subsampled and carries the compression history at full
            # resolution; colour errors come mostly from chroma subsampling and rounding, in
            # every region.
            error[rows] = np.abs(luma(difference))
        else:
            error[rows] = np.abs(difference).max(axis=2)
    del resaved

    findings = [
        statistic("Mean error level", error.mean(), "levels"),
        statistic("Median error level", np.median(error), "levels"),
        statistic("99th percentile", np.percentile(error, 99), "levels"),
        statistic("Maximum", error.max(), "levels"),
    ]
    saturation = 255.0 / amplification
    return Result(
        reason=(
            f"Visual aid, not a verdict: {channels} differences after re-saving at quality "
            f"{quality}; look for regions brighter or darker than similar content."
        ),
        maps={
            "error_level": Map(
                scaled(error, amplification / 255.0),
                colormap="inferno",
                legend=f"re-save error, 0 to {saturation:.3g} levels (x{amplification:g})",
            )
        },
        findings=findings,
    )
