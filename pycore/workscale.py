"""Large images searched at a stated reduction.

The matchers (copy_move, duplicates) hold many image-sized arrays at once: SIFT's scale
space, and for each transform they verify, the resampled copy and its local correlations.
On a 50-megapixel image that came to 11 GB natively (bench/memory.py), more than a
browser's worker can have (WebAssembly: 4 GB at most) and far over the 2 GB FigSleuth
allows it. Above WORK_PIXELS they search the image reduced by a whole factor, as the
means of factor x factor blocks (every pixel counts, and fine texture cannot alias into
false matches), give what they find in the full image's pixels, and say so: a copy only a
few reduced pixels across is then missed, and the reason names the factor so that the
user can crop the region in question and check it at full size.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from .blocks import block_means
from .image import Image
from .result import statistic

# The most pixels searched as they are: 2048x2048, a large micrograph, and a 12-megapixel
# photograph at half size. bench/memory.py: copy_move's peak on 50 megapixels
# (7072x7072, searched at 1/4) is given in bench/results/memory.md.
WORK_PIXELS = 2048 * 2048


def reduction_for(image: Image, max_pixels: int = WORK_PIXELS) -> int:
    """The smallest whole factor that brings ``image`` to at most ``max_pixels``."""
    return max(1, math.ceil(math.sqrt(image.height * image.width / max_pixels)))


def reduced(image: Image, factor: int) -> Image:
    """``image`` with each ``factor`` x ``factor`` block of pixels replaced by its mean
    (the last rows and columns that do not fill a block dropped); the same file."""
    if factor == 1:
        return image
    return dataclasses.replace(image, pixels=block_means(image.pixels, factor))


def reduced_area(area: int, factor: int) -> int:
    """An area in the full image's pixels, in the reduced image's (at least one)."""
    return max(1, round(area / factor**2))


def enlarged_marks(marks: list[dict[str, Any]], factor: int) -> list[dict[str, Any]]:
    """Marks made on an image reduced by ``factor``, in the full image's pixels: boxes
    (edges) scale by the factor; outlines (pixel centres) go to their block's centre."""
    if factor == 1:
        return marks
    centre = (factor - 1) / 2
    enlarged = []
    for mark in marks:
        mark = dict(mark)
        if "box" in mark:
            mark["box"] = [edge * factor for edge in mark["box"]]
        for key in ("source", "target"):
            if key in mark:
                mark[key] = [[x * factor + centre, y * factor + centre] for x, y in mark[key]]
        enlarged.append(mark)
    return enlarged


def reduction_note(factor: int) -> str:
    """What the reason says of a search at a reduction ('' for none)."""
    if factor == 1:
        return ""
    return (
        f" The image is large, so it was searched at 1/{factor} of its size: small copies "
        "may be missed (crop a region to check it at full size)."
    )


def reduction_findings(factor: int) -> list[dict[str, Any]]:
    """The findings row of a search at a reduction (none for none)."""
    return [statistic("Searched at a reduction of", factor, "x")] if factor > 1 else []
