"""Enhancement views for the eye, and a finder for unnaturally flat regions.

Methods: the contrast views analysts use on blots and micrographs (M. Rossner and K. M.
Yamada, "What's in a picture? The temptation of image manipulation", J. Cell Biol. 166(1),
2004: adjusting levels reveals erased bands and pasted backgrounds) - a level sweep (a
window of the intensity range stretched to full contrast), histogram equalisation
(R. C. Gonzalez and R. E. Woods, "Digital Image Processing", 2008, ch. 3), Sobel gradient
magnitude, and the projection of the colours on their principal components (J. Wagner's
Forensically "principal component analysis"). Real images carry sensor noise everywhere
except where they saturate, so a region of constant value that is not at the image's
black or white point was most likely painted over or cleaned; the flat-region finder maps
those (local standard deviation under a tolerance, in the file's own levels).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from scipy import ndimage

from ..image import Image
from ..registry import Param, analysis
from ..result import Map, Result, calibrated, statistic
from ..strips import halo_strips, row_strips, strip_map
from .noise import IMMERKAER_KERNEL, MEDIAN_ABS_TO_SIGMA

# The ring around a flat region where the image's own noise is measured, in pixels.
_RING_INNER = 4
_RING_OUTER = 12
# Share of the intensity range at either end where flat regions count as background.
_END_MARGIN = 0.02
# Noise sigma (levels) around a flat region from which its flatness is not natural.
_NOISY_SIGMA = 1.0
# Largest flat region, in pixels, taken as clean and as suspicious (set so that few real
# images of ../shared/data/real are suspicious; bench/classical.py reports the rate).
_FLAT_AREA_CLEAN = 300.0
_FLAT_AREA_SUSPICIOUS = 1500.0


@analysis(
    id="enhance",
    title="Enhancement and flat regions",
    group="noise",
    help=(
        "Views that make edits visible to the eye: a level sweep (a band of intensities "
        "stretched to full contrast; move its centre and narrow its width to look for faint "
        "rectangles, seams and erased bands), histogram equalisation, the gradient "
        "(edges, including the edges of pasted patches), and for colour images the "
        "principal-component projection. Flat regions: areas of constant value that are not "
        "black or white, which real images do not have because of sensor noise; they point "
        "to erased bands and cleaned backgrounds. Common false alarms: drawn elements of a "
        "figure (boxes, labels, plots), images denoised or compressed hard (JPEG at low "
        "quality turns smooth backgrounds into flat blocks), and synthetic test images."
    ),
)
def enhance(
    image: Image,
    sweep_center: Annotated[
        float, Param("Centre of the level sweep, as a percentile of the intensities", 0, 100, 1)
    ] = 50.0,
    sweep_width: Annotated[
        float, Param("Width of the level sweep, in percentiles (100 = auto contrast)", 2, 100, 1)
    ] = 99.0,
    component: Annotated[int, Param("Principal component shown (colour images)", 1, 3, 1)] = 2,
    flat_tolerance: Annotated[
        float, Param("Local deviation under which a region is flat, in the file's levels", 0, 5)
    ] = 0.5,
    flat_min_area: Annotated[
        int, Param("Smallest flat region reported, in pixels", 16, 100000, 1)
    ] = 64,
) -> Result:
    gray = image.gray()
    maps = {
        "level_sweep": Map(
            level_sweep(gray, sweep_center, sweep_width),
            colormap="gray",
            legend=f"intensities of percentiles {_sweep_bounds(sweep_center, sweep_width)}",
        ),
        "equalized": Map(equalize(gray), colormap="gray", legend="histogram equalised"),
        "gradient": Map(gradient(gray), colormap="inferno", legend="Sobel gradient magnitude"),
    }
    if image.channels == 3:
        maps["principal_component"] = Map(
            principal_component(_samples(image), component),
            colormap="viridis",
            legend=f"projection on colour component {component}",
        )

    levels, flat = flat_pixels(image, flat_tolerance)
    if levels.min() == levels.max():
        return Result(reason="The image is one constant value: nothing to compare.", maps=maps)
    unnatural, natural = unnatural_flat_regions(levels, flat, flat_min_area)
    labels, count = ndimage.label(unnatural)
    largest = int(np.bincount(labels.ravel())[1:].max()) if count else 0
    maps["flat_regions"] = Map(
        unnatural,
        colormap="inferno",
        legend=f"constant regions of {flat_min_area} px or more, at intensities noisy elsewhere",
    )

    score = calibrated(
        np.log10(1.0 + largest), np.log10(_FLAT_AREA_CLEAN), np.log10(_FLAT_AREA_SUSPICIOUS)
    )
    findings = [
        statistic("Unnatural flat regions", count, "regions"),
        statistic("Largest unnatural flat region", largest, "pixels"),
        statistic("Unnatural flat area", unnatural.mean(), "fraction"),
        statistic("Flat where the image is flat anyway (not counted)", natural.mean(), "fraction"),
    ]
    if largest:
        reason = (
            f"A constant region of {largest} pixels at an intensity that is noisy "
            "elsewhere in the image: erased or painted areas look like this."
        )
    else:
        reason = (
            "No constant regions at intensities that are noisy elsewhere; the views "
            "are visual aids."
        )
    return Result(score=score, reason=reason, maps=maps, findings=findings)


def _sweep_bounds(center: float, width: float) -> tuple[float, float]:
    return max(0.0, center - width / 2.0), min(100.0, center + width / 2.0)


# The views are computed a strip of rows at a time into float32 (pycore.strips): on a
# 50-megapixel image each whole-image float64 temporary takes 400 MB.


def level_sweep(gray: np.ndarray, center: float, width: float) -> np.ndarray:
    """Intensities between two percentiles stretched to [0, 1], the rest clipped."""
    low, high = np.percentile(gray, _sweep_bounds(center, width))
    span = high - low if high > low else 1.0
    return strip_map(lambda part: np.clip((part - low) / span, 0.0, 1.0), gray, np.float32)


def equalize(gray: np.ndarray, bins: int = 256) -> np.ndarray:
    """Histogram equalisation: each pixel replaced by its intensity's cumulative share."""
    counts, edges = np.histogram(gray, bins=bins)
    cumulative = np.cumsum(counts) / gray.size
    centers = (edges[:-1] + edges[1:]) / 2.0
    return strip_map(lambda part: np.interp(part, centers, cumulative), gray, np.float32)


def gradient(gray: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude, scaled so the 99.5th percentile is full scale."""

    def sobel(part: np.ndarray) -> np.ndarray:
        return np.hypot(ndimage.sobel(part, axis=0), ndimage.sobel(part, axis=1))

    # Sobel reaches one row out.
    magnitude = strip_map(sobel, gray, np.float32, halo=1)
    top = np.percentile(magnitude, 99.5)
    if top > 0:
        magnitude /= top
    return magnitude


def principal_component(samples: np.ndarray, component: int) -> np.ndarray:
    """Colours (height x width x 3, any scale) projected on their ``component``-th
    principal axis, stretched to [0, 1]."""
    height, width = samples.shape[:2]

    def colours(rows: slice) -> np.ndarray:
        return samples[rows].reshape(-1, 3).astype(np.float64)

    strips = list(row_strips(height))
    mean = sum(colours(rows).sum(axis=0) for rows in strips) / (height * width)
    covariance = np.zeros((3, 3))
    for rows in strips:
        centred = colours(rows) - mean
        covariance += centred.T @ centred
    _, vectors = np.linalg.eigh(covariance / max(height * width - 1, 1))  # ascending
    axis = vectors[:, 3 - component]
    projection = np.empty((height, width), np.float32)
    for rows in strips:
        projection[rows] = ((colours(rows) - mean) @ axis).reshape(-1, width)
    low, high = np.percentile(projection, (0.5, 99.5))
    span = high - low if high > low else 1.0
    projection -= low
    projection /= span
    return np.clip(projection, 0.0, 1.0, out=projection)


def _samples(image: Image) -> np.ndarray:
    """The samples in the file's own levels where it has fixed ones (8 and 16 bits), else in
    8-bit units (:meth:`Image.unit`); callers take float64 copies a strip at a time."""
    return image.pixels if image.pixels.dtype in (np.uint8, np.uint16) else image.unit()


def flat_pixels(image: Image, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Intensity (mean of the channels, in the file's own levels) and the flat-pixel mask.

    A pixel is flat where every channel deviates by at most ``tolerance`` over its 5x5
    neighbourhood. Levels are the file's own (a 16-bit file's noise of a few counts is
    not flatness); files without fixed levels (32-bit, float) are measured in 8-bit units.
    """
    source = _samples(image)
    levels = np.empty(source.shape[:2])
    flat = np.empty(source.shape[:2], bool)
    # The 5x5 window reaches two rows out: each strip is filtered with two rows of context.
    for rows, context, inner in halo_strips(source.shape[0], 2):
        samples = source[context].astype(np.float64)
        deviation = np.zeros(samples.shape[:2])
        for channel in range(samples.shape[2]):
            plane = samples[:, :, channel]
            mean = ndimage.uniform_filter(plane, size=5, mode="reflect")
            square = ndimage.uniform_filter(plane * plane, size=5, mode="reflect")
            deviation = np.maximum(deviation, np.sqrt(np.maximum(square - mean * mean, 0.0)))
        # A tiny floor absorbs floating-point residue in exactly constant neighbourhoods.
        flat[rows] = deviation[inner] <= max(tolerance, 1e-6)
        levels[rows] = samples[inner].mean(axis=2)
    return levels, flat


def unnatural_flat_regions(
    levels: np.ndarray, flat: np.ndarray, min_area: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split flat regions of at least ``min_area`` pixels into unnatural and natural ones.

    Flatness is natural where the image has no noise to speak of: a dark background whose
    noise is below one level, a clipped black or white. So a flat region is unnatural
    when the image around it (a ring 4 to 12 pixels out) is noisy - its noise sigma, by
    Immerkaer's estimator with a median that ignores edges, is at least one level - and
    its intensity is not within 2% of the image's own black or white point (background
    and clipping live there; an area cleaned to black is not told apart from them).
    """
    labels, count = ndimage.label(flat)
    if not count:
        return np.zeros_like(flat), np.zeros_like(flat)
    residual = ndimage.correlate(levels, IMMERKAER_KERNEL, mode="reflect")
    np.abs(residual, out=residual)
    low, high = levels.min(), levels.max()
    margin = _END_MARGIN * (high - low)
    areas = np.bincount(labels.ravel(), minlength=count + 1)
    unnatural_ids, natural_ids = [], []
    for region, box in enumerate(ndimage.find_objects(labels), start=1):
        if areas[region] < min_area:
            continue
        window = tuple(
            slice(max(part.start - _RING_OUTER, 0), part.stop + _RING_OUTER) for part in box
        )
        inside = labels[window] == region
        ring = ndimage.binary_dilation(inside, iterations=_RING_OUTER) & ~ndimage.binary_dilation(
            inside, iterations=_RING_INNER
        )
        level = levels[window][inside][0]
        noisy_around = ring.any() and (
            np.median(residual[window][ring]) * MEDIAN_ABS_TO_SIGMA >= _NOISY_SIGMA
        )
        is_unnatural = noisy_around and low + margin < level < high - margin
        (unnatural_ids if is_unnatural else natural_ids).append(region)
    return np.isin(labels, unnatural_ids), np.isin(labels, natural_ids)
