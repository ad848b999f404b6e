"""The pixels a transform really copies: dense verification of a keypoint match.

Method: once a transform T maps a source region onto a target region (pycore.matching) -
within one image, or from one image or panel to another - the source is resampled through
T's inverse and compared with the target by local zero-mean normalised cross-correlation
over 7x7 windows - unchanged by brightness and contrast changes - as in the dense-field
stage of copy-move detectors (D. Cozzolino, G. Poggi and L. Verdoliva, "Efficient
dense-field copy-move forgery detection", IEEE TIFS 10(11), 2015). The target region is
the correlated area connected to the matched keypoints; the source region is its image
under T's inverse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage, spatial

from .matching import Transform
from .result import calibrated

_WINDOW = 7
# Below this local standard deviation (on a 0..1 scale) a window has no texture to compare.
_MIN_TEXTURE = 0.01


# Share of the textured pixels of an overlap that may disagree with a copy of it (noise,
# recompression, labels drawn on one of the panels).
_MAX_DISAGREEING = 0.1
# Keypoint matches behind the best verified copy taken as clean and as suspicious: a
# densely verified copy with ten matches is hard to explain by chance.
_MATCHES_CLEAN = 5.0
_MATCHES_SUSPICIOUS = 10.0


@dataclass
class CopiedRegion:
    source: np.ndarray  # boolean masks, image-sized
    target: np.ndarray
    correlation: float  # mean NCC over the target region


def correlation_map(
    first: np.ndarray,
    second: np.ndarray,
    window: int = _WINDOW,
    min_texture: float = _MIN_TEXTURE,
) -> np.ndarray:
    """Local zero-mean normalised cross-correlation of two images, window by window; 0 where
    either window is flat (standard deviation under ``min_texture``)."""
    mean_a = ndimage.uniform_filter(first, window)
    mean_b = ndimage.uniform_filter(second, window)
    var_a = ndimage.uniform_filter(first * first, window) - mean_a**2
    var_b = ndimage.uniform_filter(second * second, window) - mean_b**2
    covariance = ndimage.uniform_filter(first * second, window) - mean_a * mean_b
    textured = (var_a > min_texture**2) & (var_b > min_texture**2)
    return np.where(textured, covariance / np.sqrt(np.maximum(var_a * var_b, 1e-12)), 0.0)


def copied_region(
    gray: np.ndarray,
    transform: Transform,
    target_points: np.ndarray,
    threshold: float = 0.8,
    min_shift: float = 10.0,
    source: np.ndarray | None = None,
) -> CopiedRegion | None:
    """The source and target masks of a copy (images on 0..1), or None.

    ``transform`` maps ``source`` - by default ``gray`` itself, a copy within one image -
    onto ``gray``. ``target_points`` (N x 2, x y) are the matched keypoints in the target
    region; only correlated areas touching them count, so a coincidental match elsewhere
    does not. Within one image, pixels moved less than ``min_shift`` are the same
    structure, not a copy. The source mask has the source image's shape.
    """
    within = source is None
    source = gray if source is None else source
    height, width = gray.shape
    grid, source_xy, inside, warped = _pulled_back(gray.shape, transform, source)
    if within:
        moved = source_xy - grid
        inside &= np.hypot(moved[..., 0], moved[..., 1]) >= min_shift
    correlation = correlation_map(gray, warped)
    similar = ndimage.binary_opening((correlation >= threshold) & inside, iterations=1)
    labels, count = ndimage.label(similar)
    if not count:
        return None
    columns = np.clip(np.rint(target_points[:, 0]).astype(np.intp), 0, width - 1)
    rows = np.clip(np.rint(target_points[:, 1]).astype(np.intp), 0, height - 1)
    near = ndimage.grey_dilation(labels, size=5)[rows, columns]  # points just off the area
    touched = np.unique(near[near > 0])
    if not len(touched):
        return None
    target = ndimage.binary_fill_holes(np.isin(labels, touched))
    target = ndimage.binary_closing(target, iterations=2)
    source_yy, source_xx = np.mgrid[: source.shape[0], : source.shape[1]].astype(np.float64)
    forward = transform.apply(np.stack([source_xx, source_yy], axis=-1))
    source_mask = (
        ndimage.map_coordinates(
            target.astype(np.float32), [forward[..., 1], forward[..., 0]], order=0, mode="constant"
        )
        > 0.5
    )
    return CopiedRegion(
        source_mask, target, float(correlation[target].mean()) if target.any() else 0.0
    )


def _pulled_back(
    shape: tuple[int, int], transform: Transform, source: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each pixel (x, y) of an image of ``shape``: its position, the position in
    ``source`` that ``transform`` takes to it, whether that lies inside ``source``, and
    ``source`` resampled there (bilinear)."""
    yy, xx = np.mgrid[: shape[0], : shape[1]].astype(np.float64)
    grid = np.stack([xx, yy], axis=-1)
    back = transform.inverse().apply(grid)
    inside = (
        (back[..., 0] >= 0)
        & (back[..., 0] <= source.shape[1] - 1)
        & (back[..., 1] >= 0)
        & (back[..., 1] <= source.shape[0] - 1)
    )
    warped = ndimage.map_coordinates(source, [back[..., 1], back[..., 0]], order=1, mode="nearest")
    return grid, back, inside, warped


def whole_overlap(
    gray: np.ndarray,
    transform: Transform,
    source: np.ndarray,
    threshold: float = 0.8,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The whole overlap of two images under ``transform`` (source mask, target mask),
    when nothing in it contradicts the copy: almost every textured pixel there correlates
    with its source. A reused panel is reused whole, flat background included, though only
    its textured parts can be checked; None when the overlap disagrees somewhere (a part
    of the panel was changed, or only a part was copied)."""
    height, width = gray.shape
    _, _, target, warped = _pulled_back(gray.shape, transform, source)
    correlation = correlation_map(gray, warped)
    textured = target & (correlation != 0)
    disagreeing = textured & (correlation < threshold / 2)
    if not textured.any() or disagreeing.sum() > _MAX_DISAGREEING * textured.sum():
        return None
    source_yy, source_xx = np.mgrid[: source.shape[0], : source.shape[1]].astype(np.float64)
    forward = transform.apply(np.stack([source_xx, source_yy], axis=-1))
    source_mask = (
        (forward[..., 0] >= 0)
        & (forward[..., 0] <= width - 1)
        & (forward[..., 1] >= 0)
        & (forward[..., 1] <= height - 1)
    )
    return source_mask, target


def verified(
    gray: np.ndarray,
    transform: Transform,
    target: np.ndarray,
    threshold: float = 0.8,
    source: np.ndarray | None = None,
) -> int:
    """How many pixels of the ``target`` mask ``transform`` verifies: asked of a transform
    moved by one repeat of the content, it tells a copy from a pattern."""
    again = copied_region(
        gray, transform, np.argwhere(target)[:, ::-1].astype(float), threshold, source=source
    )
    return 0 if again is None else int((again.target & target).sum())


def outline(mask: np.ndarray, left: float = 0.0, top: float = 0.0) -> list[list[float]]:
    """The convex hull of a mask as [x, y] points (a few dozen), shifted by (left, top)."""
    rows, cols = np.nonzero(mask)
    step = max(1, len(rows) // 20000)
    points = np.stack([cols[::step] + left, rows[::step] + top], axis=1).astype(float)
    if len(points) < 3:
        return points.tolist()
    try:
        hull = spatial.ConvexHull(points)
    except spatial.QhullError:  # all on one line
        return points[:3].tolist()
    return points[hull.vertices].round(1).tolist()


def copy_score(matches: int) -> float:
    """The score of a finding whose best verified copy rests on ``matches`` keypoints."""
    return calibrated(matches, _MATCHES_CLEAN, _MATCHES_SUSPICIOUS)


def agreement(first: np.ndarray, second: np.ndarray) -> float:
    """Correlation of two images, leaving out the 2% of pixels that disagree most with
    the best linear fit - panel letters, arrows or scale bars drawn on one of them."""
    a, b = first.ravel(), second.ravel()
    for _ in range(2):
        a_centred, b_centred = a - a.mean(), b - b.mean()
        spread = np.sqrt((a_centred * a_centred).sum() * (b_centred * b_centred).sum())
        if spread <= 0:
            return 0.0
        correlation = float((a_centred * b_centred).sum() / spread)
        slope = (a_centred * b_centred).sum() / max((a_centred * a_centred).sum(), 1e-12)
        residual = np.abs(b_centred - slope * a_centred)
        keep = residual <= np.quantile(residual, 0.98)
        a, b = a[keep], b[keep]
    # Rounded so that last-bit differences between builds cannot tip a threshold.
    return round(correlation, 6)


def grain(image: np.ndarray) -> np.ndarray:
    """The pixel-level grain: the image less its 3x3 median, which keeps edges and smooth
    shapes (bands, cells) out of it. A copy carries its source's grain along (noise, film
    grain, the rounding of its levels); a look-alike has its own."""
    return image - ndimage.median_filter(image, 3)
