"""Matching keypoints and fitting the geometric transforms that explain the matches.

Methods: nearest-neighbour matching of descriptors with the generalised 2NN ratio test of
I. Amerini, L. Ballan, R. Caldelli, A. Del Bimbo and G. Serra, "A SIFT-based forensic
method for copy-move attack detection and transformation recovery", IEEE TIFS 6(3), 2011
(every neighbour that is much closer than the next one is a match, so a region copied
several times is found every time); then RANSAC (M. A. Fischler and R. C. Bolles, 1981)
over similarity transforms - rotation, uniform scale, translation, with or without a
mirror - fitted as complex-linear maps w = a z + b or w = a conj(z) + b, refined by least
squares on the inliers, several models in turn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .features import Keypoints

# Ratio of consecutive neighbour distances below which a neighbour is a match (g2NN).
_RATIO = 0.7
# At most this many matches per keypoint, so repetitive content cannot blow up the work.
_MAX_NEIGHBOURS = 4
_CHUNK = 512
# A distance no two unit descriptors can have (they are at most 2 apart): "not a candidate".
_EXCLUDED = 4.0


@dataclass(frozen=True)
class Transform:
    """target = a * z + b, or a * conj(z) + b when ``mirrored`` (z = x + iy, pixels)."""

    a: complex
    b: complex
    mirrored: bool

    @property
    def scale(self) -> float:
        return abs(self.a)

    @property
    def angle(self) -> float:
        """Rotation in degrees, in (-180, 180]."""
        return math.degrees(math.atan2(self.a.imag, self.a.real))

    def apply(self, xy: np.ndarray) -> np.ndarray:
        z = xy[..., 0] + 1j * xy[..., 1]
        w = self.a * (np.conj(z) if self.mirrored else z) + self.b
        return np.stack([w.real, w.imag], axis=-1)

    def inverse(self) -> Transform:
        if self.mirrored:  # z = conj((w - b) / a)
            return Transform(np.conj(1 / self.a), -np.conj(self.b / self.a), True)
        return Transform(1 / self.a, -self.b / self.a, False)

    def describe(self) -> str:
        """In words: the mirror (as a flip where it is one), rotation and scale."""
        parts = []
        angle = self.angle
        if self.mirrored:
            # conj mirrors about the x axis (a vertical flip); with rotation r the mirror
            # axis is at r / 2: r = 180 is a horizontal flip.
            if abs(abs(angle) - 180) < 3:
                parts.append("flipped horizontally")
                angle = 0.0
            elif abs(angle) < 3:
                parts.append("flipped vertically")
            else:
                parts.append(f"mirrored about a {angle / 2:.0f} degree axis")
                angle = 0.0
        if abs(angle) >= 3:
            parts.append(f"rotated {angle:.0f} degrees")
        if abs(self.scale - 1) >= 0.05:
            parts.append(f"scaled x{self.scale:.2f}")
        return ", ".join(parts) or "copied as is"


@dataclass
class Matches:
    """Pairs of keypoint indices (first -> second), and whether each pair is a mirror match."""

    first: np.ndarray
    second: np.ndarray
    mirrored: np.ndarray


def match(points: Keypoints, other: Keypoints | None = None, min_distance: float = 10.0) -> Matches:
    """Descriptor matches between two keypoint sets, or within one (``other`` None).

    Within one image a keypoint does not match itself or anything within ``min_distance``
    pixels, and each pair is kept once.
    """
    same = other is None
    other = points if same else other
    firsts, seconds, mirrors = [], [], []
    for mirrored, targets in ((False, other.descriptors), (True, other.mirrored)):
        for start in range(0, len(points), _CHUNK):
            block = points.descriptors[start : start + _CHUNK]
            # Rounded so that the last bits of a BLAS product, which differ between builds
            # (native and WebAssembly), cannot tip a ratio test either way.
            distance = np.round(np.sqrt(np.maximum(2 - 2 * (block @ targets.T), 0)), 6)
            if same:
                gap = np.linalg.norm(
                    points.xy[start : start + _CHUNK, None] - other.xy[None], axis=2
                )
                distance[gap < min_distance] = _EXCLUDED
            count = min(_MAX_NEIGHBOURS + 1, distance.shape[1])
            nearest = np.argpartition(distance, count - 1, axis=1)[:, :count]
            ordered = np.take_along_axis(distance, nearest, axis=1)
            # By distance, then index: ties order the same in every numpy build.
            order = np.lexsort((nearest, ordered), axis=1)
            nearest = np.take_along_axis(nearest, order, axis=1)
            ordered = np.take_along_axis(ordered, order, axis=1)
            # g2NN: neighbours before the first big jump in distance are matches.
            ratios = ordered[:, :-1] / np.maximum(ordered[:, 1:], 1e-9)
            accepted = np.cumprod(ratios < _RATIO, axis=1).astype(bool)
            rows, ranks = np.nonzero(accepted)
            firsts.append(rows + start)
            seconds.append(nearest[rows, ranks])
            mirrors.append(np.full(len(rows), mirrored))
    first, second, mirrored = (
        np.concatenate(part) if part else np.zeros(0, int) for part in (firsts, seconds, mirrors)
    )
    if same:  # keep each pair once, first < second (a mirror match holds both ways)
        keep = first < second
        first, second, mirrored = first[keep], second[keep], mirrored[keep]
    # One canonical order, which RANSAC's sampling depends on.
    order = np.lexsort((mirrored, second, first))
    return Matches(
        first[order].astype(np.intp), second[order].astype(np.intp), mirrored[order].astype(bool)
    )


def fit_transforms(
    source: np.ndarray,
    target: np.ndarray,
    mirrored: np.ndarray,
    min_inliers: int = 8,
    tolerance: float = 4.0,
    max_models: int = 6,
    iterations: int = 400,
    seed: int = 0,
) -> list[tuple[Transform, np.ndarray]]:
    """Similarity transforms mapping ``source`` points to ``target`` points (N x 2 each).

    Plain and mirror matches are fitted apart. Returns (transform, inlier mask) pairs, the
    largest first, each model's inliers removed before the next is sought.
    """
    rng = np.random.default_rng(seed)
    found = []
    for mirror in (False, True):
        left = np.flatnonzero(mirrored == mirror)
        while len(left) >= min_inliers and len(found) < max_models:
            model, inliers = _ransac(source[left], target[left], mirror, tolerance, iterations, rng)
            if model is None or inliers.sum() < min_inliers:
                break
            mask = np.zeros(len(source), bool)
            mask[left[inliers]] = True
            found.append((model, mask))
            left = left[~inliers]
    return sorted(found, key=lambda item: -item[1].sum())


def _complex(xy: np.ndarray) -> np.ndarray:
    return xy[:, 0] + 1j * xy[:, 1]


def _ransac(
    source: np.ndarray,
    target: np.ndarray,
    mirrored: bool,
    tolerance: float,
    iterations: int,
    rng: np.random.Generator,
) -> tuple[Transform | None, np.ndarray]:
    z = _complex(source)
    if mirrored:
        z = np.conj(z)
    w = _complex(target)
    count = len(z)
    picks = rng.integers(0, count, size=(iterations, 2))
    picks = picks[picks[:, 0] != picks[:, 1]]
    dz = z[picks[:, 0]] - z[picks[:, 1]]
    usable = np.abs(dz) > 1.0
    picks, dz = picks[usable], dz[usable]
    if not len(picks):
        return None, np.zeros(count, bool)
    a = (w[picks[:, 0]] - w[picks[:, 1]]) / dz
    plausible = (np.abs(a) > 0.4) & (np.abs(a) < 2.6)  # the scales copy-move uses
    a, picks = a[plausible], picks[plausible]
    if not len(a):
        return None, np.zeros(count, bool)
    b = w[picks[:, 0]] - a * z[picks[:, 0]]
    best, best_count = None, 0
    for start in range(0, len(a), 128):
        residual = _rounded(
            np.abs(a[start : start + 128, None] * z[None] + b[start : start + 128, None] - w[None])
        )
        counts = (residual < tolerance).sum(axis=1)
        index = int(np.argmax(counts))
        if counts[index] > best_count:
            best, best_count = (a[start + index], b[start + index]), int(counts[index])
    if best is None:
        return None, np.zeros(count, bool)
    inliers = _rounded(np.abs(best[0] * z + best[1] - w)) < tolerance
    for _ in range(2):  # least-squares refinement on the inliers
        if inliers.sum() < 2:
            break
        design = np.stack([z[inliers], np.ones(inliers.sum())], axis=1)
        (fitted_a, fitted_b), *_ = np.linalg.lstsq(design, w[inliers], rcond=None)
        inliers = _rounded(np.abs(fitted_a * z + fitted_b - w)) < tolerance
        best = (fitted_a, fitted_b)
    return Transform(complex(best[0]), complex(best[1]), mirrored), inliers


def _rounded(residual: np.ndarray) -> np.ndarray:
    """Residuals to 1e-6 pixel: LAPACK and BLAS differ in the last bits between builds
    (native and WebAssembly), which must not move a point across the tolerance."""
    return np.round(residual, 6)
