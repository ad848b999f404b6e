"""Scale- and rotation-invariant keypoints with descriptors, in numpy and scipy alone.

Method: D. G. Lowe, "Distinctive Image Features from Scale-Invariant Keypoints", IJCV
60(2), 2004 (SIFT): extrema of the difference of Gaussians over space and scale, with low
contrast and edge-like responses dropped (Hessian ratio), a dominant gradient orientation
per keypoint, and a 4x4 grid of 8-bin gradient-orientation histograms in the keypoint's
rotated and scaled frame, normalised, clipped at 0.2 and normalised again.
Simplification: no sub-pixel refinement of the extrema. For mirror copies each descriptor
also comes in its mirrored form: mirroring the image mirrors the keypoint's frame, which
flips the descriptor's cell rows and reverses its orientation bins (as in MIFT-style
flip-invariant matching).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

_SCALES_PER_OCTAVE = 3
_BASE_SIGMA = 1.6
_CONTRAST = 0.008  # on [0, 1] images, |DoG| below this is noise (OpenCV: 0.04 / 3 / 2 = 0.0067)
_EDGE_RATIO = 10.0
_MIN_OCTAVE_SIDE = 32
_ORIENTATION_BINS = 36
_CELLS = 4
_ANGLE_BINS = 8


@dataclass
class Keypoints:
    """N keypoints: positions (x, y) in pixels, scale (sigma, pixels), orientation (radians),
    strength |DoG|, and 128-value descriptors, plain and mirrored."""

    xy: np.ndarray
    scale: np.ndarray
    angle: np.ndarray
    strength: np.ndarray
    descriptors: np.ndarray
    mirrored: np.ndarray
    detected: int = 0  # points (scale-space extrema) found, of which the strongest were kept

    def __len__(self) -> int:
        return len(self.xy)

    def subset(self, keep: np.ndarray) -> Keypoints:
        return Keypoints(
            self.xy[keep],
            self.scale[keep],
            self.angle[keep],
            self.strength[keep],
            self.descriptors[keep],
            self.mirrored[keep],
        )


def detect(gray: np.ndarray, max_keypoints: int = 4000, doubled: bool = False) -> Keypoints:
    """Keypoints of a gray image (any range), the strongest ``max_keypoints`` kept.

    ``doubled`` starts from the image enlarged twice (Lowe's octave -1), which finds about
    four times as many stable keypoints: small or smooth images need them.
    """
    image = gray.astype(np.float64)
    low, high = float(image.min()), float(image.max())
    image = (image - low) / (high - low) if high > low else image * 0.0
    step = 1.0  # pixels of the original image per pixel of this octave
    if doubled:
        image = ndimage.zoom(image, 2.0, order=1, grid_mode=True, mode="nearest")
        step = 0.5
    candidates: list[_Candidates] = []
    octave_image = ndimage.gaussian_filter(image, _BASE_SIGMA)
    while min(octave_image.shape) >= _MIN_OCTAVE_SIDE:
        gaussians = _octave(octave_image)
        candidates += _octave_candidates(gaussians, step)
        octave_image = gaussians[_SCALES_PER_OCTAVE][::2, ::2]  # 2 sigma: next octave's base
        step *= 2.0
    if not candidates:
        return _empty()
    # Orientations and descriptors, the costly part, only for the candidates that can be
    # among the strongest max_keypoints: a candidate's keypoints (one per orientation)
    # share its strength, so the ones kept below are the same as if all were described.
    strengths = np.concatenate([entry.strength for entry in candidates])
    floor = -np.inf
    if len(strengths) > max_keypoints:
        floor = np.partition(strengths, len(strengths) - max_keypoints)[-max_keypoints]
    found = [_describe(entry, entry.strength >= floor) for entry in candidates]
    xy, scale, angle, strength, descriptors = (
        np.concatenate(part) for part in zip(*found, strict=True)
    )
    order = np.argsort(-strength, kind="stable")[:max_keypoints]  # ties: same order everywhere
    descriptors = descriptors[order]
    return Keypoints(
        xy[order],
        scale[order],
        angle[order],
        strength[order],
        descriptors,
        mirror_descriptors(descriptors),
        len(strengths),
    )


def cap_note(detected: int, examined: int) -> list[dict[str, object]]:
    """A findings row when a keypoint cap bounded the work (``detected`` points found, only
    the strongest ``examined`` kept), so that a reader knows weaker ones went unexamined."""
    if detected <= examined:
        return []
    return [
        {
            "statistic": "Keypoint cap reached",
            "value": f"{examined} of {detected}",
            "unit": "strongest examined; raise max_keypoints to examine more",
        }
    ]


def _empty() -> Keypoints:
    empty = np.zeros((0, 2)), np.zeros(0), np.zeros(0), np.zeros(0)
    return Keypoints(*empty, np.zeros((0, 128)), np.zeros((0, 128)))


def _octave(base: np.ndarray) -> list[np.ndarray]:
    """Gaussian images of one octave, sigma from 1.6 to 1.6 * 2^(1 + 2/s)."""
    factor = 2.0 ** (1.0 / _SCALES_PER_OCTAVE)
    images = [base]
    for level in range(1, _SCALES_PER_OCTAVE + 3):
        previous = _BASE_SIGMA * factor ** (level - 1)
        extra = np.sqrt((previous * factor) ** 2 - previous**2)
        images.append(ndimage.gaussian_filter(images[-1], extra))
    return images


@dataclass
class _Candidates:
    """Scale-space extrema of one level of one octave, before orientation and description."""

    gaussian: np.ndarray  # the level's Gaussian image
    rows: np.ndarray
    cols: np.ndarray
    sigma: float  # in the octave's pixels
    step: float  # pixels of the original image per pixel of the octave
    strength: np.ndarray  # |DoG| at the extremum


def _octave_candidates(gaussians: list[np.ndarray], step: float) -> list[_Candidates]:
    dogs = np.stack([b - a for a, b in itertools.pairwise(gaussians)])
    # Extrema among the 26 neighbours: each level's 3x3 extremes, then across the levels
    # on either side (extrema need a scale on each side). In float32: half the memory
    # traffic, and exact (a value equals its neighbourhood's extreme or it does not).
    narrow = dogs.astype(np.float32)
    highest = ndimage.maximum_filter(narrow, size=(1, 3, 3))
    lowest = ndimage.minimum_filter(narrow, size=(1, 3, 3))
    peaks = np.zeros(dogs.shape, bool)
    middle = narrow[1:-1]
    peaks[1:-1] = (middle == np.maximum(np.maximum(highest[:-2], highest[1:-1]), highest[2:])) | (
        middle == np.minimum(np.minimum(lowest[:-2], lowest[1:-1]), lowest[2:])
    )
    peaks &= np.abs(dogs) > _CONTRAST
    border = 8
    peaks[:, :border] = peaks[:, -border:] = False
    peaks[:, :, :border] = peaks[:, :, -border:] = False
    found = []
    for level in range(1, len(dogs) - 1):
        rows, cols = np.nonzero(peaks[level])
        if not len(rows):
            continue
        dog = dogs[level]
        # Edge responses: principal curvature ratio from the 2x2 Hessian (Lowe, section 4.1).
        dxx = dog[rows, cols + 1] + dog[rows, cols - 1] - 2 * dog[rows, cols]
        dyy = dog[rows + 1, cols] + dog[rows - 1, cols] - 2 * dog[rows, cols]
        dxy = (
            dog[rows + 1, cols + 1]
            - dog[rows + 1, cols - 1]
            - dog[rows - 1, cols + 1]
            + dog[rows - 1, cols - 1]
        ) / 4.0
        trace, determinant = dxx + dyy, dxx * dyy - dxy**2
        keep = (determinant > 0) & (trace**2 * _EDGE_RATIO < (_EDGE_RATIO + 1) ** 2 * determinant)
        rows, cols = rows[keep], cols[keep]
        if not len(rows):
            continue
        sigma = _BASE_SIGMA * 2.0 ** (level / _SCALES_PER_OCTAVE)
        found.append(
            _Candidates(gaussians[level], rows, cols, sigma, step, np.abs(dog[rows, cols]))
        )
    return found


def _describe(candidates: _Candidates, chosen: np.ndarray) -> tuple:
    """Keypoints of the ``chosen`` candidates: position, scale, orientation, strength and
    descriptor, one keypoint per dominant orientation."""
    rows, cols = candidates.rows[chosen], candidates.cols[chosen]
    if not len(rows):
        empty = _empty()
        return empty.xy, empty.scale, empty.angle, empty.strength, empty.descriptors
    angles, owners = _orientations(candidates.gaussian, rows, cols, candidates.sigma)
    rows, cols = rows[owners], cols[owners]
    descriptors = _descriptors(candidates.gaussian, rows, cols, candidates.sigma, angles)
    return (
        np.stack([cols, rows], axis=1) * candidates.step,
        np.full(len(rows), candidates.sigma * candidates.step),
        angles,
        candidates.strength[chosen][owners],
        descriptors,
    )


def _gradients(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dx = np.zeros_like(image)
    dy = np.zeros_like(image)
    dx[:, 1:-1] = (image[:, 2:] - image[:, :-2]) / 2.0
    dy[1:-1] = (image[2:] - image[:-2]) / 2.0
    return dx, dy


def _orientations(
    image: np.ndarray, rows: np.ndarray, cols: np.ndarray, sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """Dominant gradient orientations (and any within 80% of the peak) per keypoint.

    Returns the angles and, for each, the index of its keypoint (a keypoint may have two).
    """
    dx, dy = _gradients(image)
    radius = round(3 * 1.5 * sigma)
    offsets = np.arange(-radius, radius + 1)
    oy, ox = np.meshgrid(offsets, offsets, indexing="ij")
    weight = np.exp(-(ox**2 + oy**2) / (2 * (1.5 * sigma) ** 2)).ravel()
    ys = np.clip(rows[:, None] + oy.ravel()[None], 0, image.shape[0] - 1)
    xs = np.clip(cols[:, None] + ox.ravel()[None], 0, image.shape[1] - 1)
    gx, gy = dx[ys, xs], dy[ys, xs]
    magnitude = np.hypot(gx, gy) * weight
    bins = (
        np.floor((np.arctan2(gy, gx) % (2 * np.pi)) / (2 * np.pi) * _ORIENTATION_BINS).astype(
            np.intp
        )
        % _ORIENTATION_BINS
    )
    histogram = np.zeros((len(rows), _ORIENTATION_BINS))
    np.add.at(
        histogram, (np.repeat(np.arange(len(rows)), bins.shape[1]), bins.ravel()), magnitude.ravel()
    )
    histogram = (np.roll(histogram, 1, 1) + histogram * 2 + np.roll(histogram, -1, 1)) / 4
    peak = histogram.max(axis=1, keepdims=True)
    is_peak = (
        (histogram >= 0.8 * peak)
        & (histogram > np.roll(histogram, 1, 1))
        & (histogram > np.roll(histogram, -1, 1))
        & (peak > 0)
    )
    owners, chosen = np.nonzero(is_peak)
    # Parabolic interpolation of the peak between its neighbouring bins.
    left = histogram[owners, (chosen - 1) % _ORIENTATION_BINS]
    right = histogram[owners, (chosen + 1) % _ORIENTATION_BINS]
    centre = histogram[owners, chosen]
    shift = (
        0.5
        * (left - right)
        / np.where(left - 2 * centre + right == 0, 1, left - 2 * centre + right)
    )
    angles = ((chosen + 0.5 + shift) / _ORIENTATION_BINS * 2 * np.pi) % (2 * np.pi)
    return angles, owners


def _descriptors(
    image: np.ndarray, rows: np.ndarray, cols: np.ndarray, sigma: float, angles: np.ndarray
) -> np.ndarray:
    """Lowe's 4x4x8 descriptors, sampled on a 16x16 grid in each keypoint's frame.

    Each of the 4x4 cells spans 3 sigma, so the window is 12 sigma wide and the samples
    0.75 sigma apart; samples are weighted by a Gaussian of half the window's width.
    Orientation bins are centred on multiples of 45 degrees, so that a mirror image maps
    bin k onto bin -k exactly.
    """
    dx, dy = _gradients(image)
    spacing = 12.0 * sigma / 16
    grid = (np.arange(16) - 7.5) * spacing
    gy, gx = (axis.ravel() for axis in np.meshgrid(grid, grid, indexing="ij"))
    cos, sin = np.cos(angles)[:, None], np.sin(angles)[:, None]
    sample_x = cols[:, None] + cos * gx - sin * gy
    sample_y = rows[:, None] + sin * gx + cos * gy
    coordinates = np.stack([sample_y.ravel(), sample_x.ravel()])
    gradient_x = ndimage.map_coordinates(dx, coordinates, order=1, mode="nearest")
    gradient_y = ndimage.map_coordinates(dy, coordinates, order=1, mode="nearest")
    gradient_x = gradient_x.reshape(len(rows), 256)
    gradient_y = gradient_y.reshape(len(rows), 256)
    # Gradients in the keypoint's frame: rotated by -angle.
    local_x = cos * gradient_x + sin * gradient_y
    local_y = -sin * gradient_x + cos * gradient_y
    weight = np.exp(-(gx**2 + gy**2) / (2 * (6.0 * sigma) ** 2))
    magnitude = np.hypot(local_x, local_y) * weight[None]
    angle_bin = (
        np.rint(np.arctan2(local_y, local_x) / (2 * np.pi) * _ANGLE_BINS).astype(np.intp)
        % _ANGLE_BINS
    )
    sample = np.arange(256)
    cell = (sample // 16 // 4) * _CELLS + (sample % 16 // 4)
    index = cell[None] * _ANGLE_BINS + angle_bin
    descriptors = np.zeros((len(rows), 128))
    np.add.at(descriptors, (np.repeat(np.arange(len(rows)), 256), index.ravel()), magnitude.ravel())
    descriptors /= np.maximum(np.linalg.norm(descriptors, axis=1, keepdims=True), 1e-12)
    descriptors = np.minimum(descriptors, 0.2)
    descriptors /= np.maximum(np.linalg.norm(descriptors, axis=1, keepdims=True), 1e-12)
    return descriptors


def mirror_descriptors(descriptors: np.ndarray) -> np.ndarray:
    """The descriptors the mirror image of each keypoint's patch would have.

    In the keypoint's own frame a mirror copy is the patch flipped top to bottom: the cell
    rows reverse and every gradient angle a becomes -a (bin k becomes bin -k mod 8).
    """
    cells = descriptors.reshape(-1, _CELLS, _CELLS, _ANGLE_BINS)[:, ::-1]
    reverse = (-np.arange(_ANGLE_BINS)) % _ANGLE_BINS
    return np.ascontiguousarray(cells[:, :, :, reverse].reshape(-1, 128))
