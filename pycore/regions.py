"""The pixels a transform really copies: dense verification of a keypoint match.

Method: once a transform T maps a source region onto a target region (pycore.matching),
the image is resampled through T's inverse and compared with itself by local zero-mean
normalised cross-correlation over 7x7 windows - unchanged by brightness and contrast
changes - as in the dense-field stage of copy-move detectors (D. Cozzolino, G. Poggi and
L. Verdoliva, "Efficient dense-field copy-move forgery detection", IEEE TIFS 10(11), 2015).
The target region is the correlated area connected to the matched keypoints; the source
region is its image under T's inverse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .matching import Transform

_WINDOW = 7
# Below this local standard deviation (on a 0..1 scale) a window has no texture to compare.
_MIN_TEXTURE = 0.01


@dataclass
class CopiedRegion:
    source: np.ndarray  # boolean masks, image-sized
    target: np.ndarray
    correlation: float  # mean NCC over the target region


def correlation_map(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Local zero-mean normalised cross-correlation of two images, window by window; 0 where
    either window is flat."""
    mean_a = ndimage.uniform_filter(first, _WINDOW)
    mean_b = ndimage.uniform_filter(second, _WINDOW)
    var_a = ndimage.uniform_filter(first * first, _WINDOW) - mean_a**2
    var_b = ndimage.uniform_filter(second * second, _WINDOW) - mean_b**2
    covariance = ndimage.uniform_filter(first * second, _WINDOW) - mean_a * mean_b
    textured = (var_a > _MIN_TEXTURE**2) & (var_b > _MIN_TEXTURE**2)
    return np.where(textured, covariance / np.sqrt(np.maximum(var_a * var_b, 1e-12)), 0.0)


def copied_region(
    gray: np.ndarray,
    transform: Transform,
    target_points: np.ndarray,
    threshold: float = 0.8,
    min_shift: float = 10.0,
) -> CopiedRegion | None:
    """The source and target masks of a copy within one image (``gray`` on 0..1), or None.

    ``target_points`` (N x 2, x y) are the matched keypoints in the target region; only
    correlated areas touching them count, so a coincidental match elsewhere does not.
    """
    height, width = gray.shape
    yy, xx = np.mgrid[:height, :width].astype(np.float64)
    source_xy = transform.inverse().apply(np.stack([xx, yy], axis=-1))
    inside = (
        (source_xy[..., 0] >= 0)
        & (source_xy[..., 0] <= width - 1)
        & (source_xy[..., 1] >= 0)
        & (source_xy[..., 1] <= height - 1)
    )
    moved = np.hypot(source_xy[..., 0] - xx, source_xy[..., 1] - yy) >= min_shift
    warped = ndimage.map_coordinates(
        gray, [source_xy[..., 1], source_xy[..., 0]], order=1, mode="nearest"
    )
    correlation = correlation_map(gray, warped)
    similar = (correlation >= threshold) & inside & moved
    similar = ndimage.binary_opening(similar, iterations=1)
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
    forward = transform.apply(np.stack([xx, yy], axis=-1))
    source = (
        ndimage.map_coordinates(
            target.astype(np.float32), [forward[..., 1], forward[..., 0]], order=0, mode="constant"
        )
        > 0.5
    )
    return CopiedRegion(source, target, float(correlation[target].mean()) if target.any() else 0.0)
