"""Panels shown twice: reuse across the panels of a figure, or across several images.

Method: each panel is a unit of its own - its keypoints (pycore.features) are found on the
panel alone, with the panel's own contrast range, so a copy made brighter or darker in
another panel still matches - and every pair of units is compared as in keypoint-based
copy-move detection (I. Amerini et al., IEEE TIFS 6(3), 2011): 2NN ratio matching from one
unit to the other, RANSAC similarity transforms with or without a mirror
(pycore.matching), then dense verification of each transform by local normalised
cross-correlation between the target unit and the source unit resampled onto it
(pycore.regions). Cropping and partial overlap need nothing more: only the matched and
correlated part of each panel is outlined. The same pairwise keypoint matching of extracted
figure images underlies published reuse screens (e.g. D. Moreira et al., "SILA: a system
for scientific image analysis", Scientific Reports 12, 2022).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import features, matching, regions
from .image import Image
from .layout import Box, letter, split_panels
from .regions import copy_score, outline
from .result import calibrated, verdict_for

# Keypoints kept per unit at least, however many units share the budget.
_MIN_KEYPOINTS_PER_UNIT = 300
# A whole panel correlating this well with another, and its finest detail this well, is
# the other shown again (see _whole_panel); panels plainer than this are not compared.
_WHOLE_AGREEMENT = 0.9
_DETAIL_AGREEMENT = 0.5
_MIN_PANEL_CONTRAST = 0.002
# Shorter shifts are the autocorrelation's central lobe, not a repeat (pixels).
_MIN_REPEAT = 10


@dataclass(frozen=True)
class Unit:
    """A panel of one of the images compared: which image, where, and its pixels (0..1)."""

    image: int
    box: Box
    gray: np.ndarray


@dataclass
class Reuse:
    """Content of unit ``first`` shown again in unit ``second``.

    ``transform`` maps ``first``'s panel coordinates onto ``second``'s; the masks are in
    each panel's own coordinates.
    """

    first: int
    second: int
    transform: matching.Transform
    source: np.ndarray
    target: np.ndarray
    matches: int  # keypoint matches behind it; 0 when found by comparing whole panels
    correlation: float
    score: float

    def evidence(self) -> str:
        how = f"{self.matches} matches" if self.matches else "whole panel"
        return f"{how}, {int(self.target.sum())} px, correlation {self.correlation:.2f}"


def units_of(images: list[np.ndarray], boxes: list[list[Box]]) -> list[Unit]:
    """The units of ``images`` (gray, 8-bit units): one per panel box."""
    return [
        Unit(index, box, images[index][box.top : box.bottom, box.left : box.right] / 255.0)
        for index, image_boxes in enumerate(boxes)
        for box in image_boxes
    ]


def find_reuse(
    units: list[Unit],
    max_keypoints: int = 6000,
    min_matches: int = 8,
    correlation: float = 0.8,
    min_area: int = 400,
) -> tuple[list[Reuse], int, int]:
    """Every verified reuse between two different units, and the keypoints examined and
    found (before each unit's cap).

    ``max_keypoints`` is shared among the units (at least 300 each), which bounds the work
    of the all-pairs comparison however busy the panels are.
    """
    per_unit = max(_MIN_KEYPOINTS_PER_UNIT, max_keypoints // max(len(units), 1))
    points = [features.detect(unit.gray, per_unit) for unit in units]
    found = []
    for first, second in itertools.combinations(range(len(units)), 2):
        pair = _compare(units, points, first, second, min_matches, correlation, min_area)
        # Panels too plain for keypoints (a dim field, a faint blot) are compared whole.
        whole = None if pair else _whole_panel(units, first, second)
        found += pair if whole is None else [whole]
    return found, sum(len(entry) for entry in points), sum(entry.detected for entry in points)


def _compare(
    units: list[Unit],
    points: list[features.Keypoints],
    first: int,
    second: int,
    min_matches: int,
    correlation: float,
    min_area: int,
) -> list[Reuse]:
    source_points, target_points = points[first], points[second]
    if min(len(source_points), len(target_points)) < min_matches:
        return []
    pairs = matching.match(source_points, target_points)
    source_xy = source_points.xy[pairs.first]
    target_xy = target_points.xy[pairs.second]
    models = matching.fit_transforms(source_xy, target_xy, pairs.mirrored, min_matches)
    found: list[Reuse] = []
    covered = np.zeros(units[second].gray.shape, bool)
    for transform, inliers in models:
        region = regions.copied_region(
            units[second].gray,
            transform,
            target_xy[inliers],
            correlation,
            source=units[first].gray,
        )
        if region is None or region.target.sum() < min_area:
            continue
        if _repetitive(units[first].gray, units[second].gray, transform, region, correlation):
            continue
        if (covered & region.target).sum() > 0.5 * region.target.sum():
            continue  # the same reuse found again by a weaker model
        covered |= region.target
        whole = regions.whole_overlap(units[second].gray, transform, units[first].gray, correlation)
        source_mask, target_mask = whole if whole is not None else (region.source, region.target)
        found.append(
            Reuse(
                first,
                second,
                transform,
                source_mask,
                target_mask,
                int(inliers.sum()),
                region.correlation,
                copy_score(int(inliers.sum())),
            )
        )
    return found


# Array operations for the eight symmetries of a rectangle: as is, flips, turns, transposes.
_SYMMETRIES = (
    lambda array: array,
    np.fliplr,
    np.flipud,
    lambda array: np.rot90(array, 2),
    np.rot90,
    lambda array: np.rot90(array, -1),
    np.transpose,
    lambda array: np.rot90(array, 2).T,
)


def _whole_panel(units: list[Unit], first: int, second: int) -> Reuse | None:
    """Panel ``first`` shown whole as panel ``second``, flipped or turned by quarter turns
    perhaps, and with other brightness and contrast: the two correlate as a whole, and so
    does their finest detail - the noise and grain a copy carries along, which two plain
    panels that merely look alike (dark fields, smooth gradients) do not share."""
    source, target = units[first].gray, units[second].gray
    if min(source.std(), target.std()) < _MIN_PANEL_CONTRAST:
        return None
    # The 3x3 median commutes with turns and flips: the grain of a turned panel is the
    # turned grain, so each panel's grain is taken once, when first needed.
    grains: tuple[np.ndarray, np.ndarray] | None = None
    best: tuple[float, int] | None = None
    for index, operation in enumerate(_SYMMETRIES):
        moved = operation(source)
        if moved.shape != target.shape:
            continue
        agreement = regions.agreement(moved, target)
        if agreement < _WHOLE_AGREEMENT or (best is not None and agreement <= best[0]):
            continue
        if grains is None:
            grains = regions.grain(source), regions.grain(target)
        if regions.agreement(operation(grains[0]), grains[1]) >= _DETAIL_AGREEMENT:
            best = (agreement, index)
    if best is None:
        return None
    agreement, index = best
    return Reuse(
        first,
        second,
        _symmetry_transform(_SYMMETRIES[index], source.shape),
        np.ones(source.shape, bool),
        np.ones(target.shape, bool),
        0,
        agreement,
        calibrated(agreement, _WHOLE_AGREEMENT - 0.05, _WHOLE_AGREEMENT + 0.02),
    )


def _symmetry_transform(
    operation: Callable[[np.ndarray], np.ndarray], shape: tuple[int, int]
) -> matching.Transform:
    """The transform taking pixel positions of an array to those in ``operation(array)``."""
    height, width = shape
    moved = operation(np.arange(height * width).reshape(shape))
    corners = (0, width - 1, (height - 1) * width)  # (0, 0), (w - 1, 0), (0, h - 1)
    z = [complex(index % width, index // width) for index in corners]
    w = [complex(*np.argwhere(moved == index)[0][::-1]) for index in corners]
    for mirrored in (False, True):
        zz = [value.conjugate() if mirrored else value for value in z]
        a = (w[1] - w[0]) / (zz[1] - zz[0])
        b = w[0] - a * zz[0]
        if abs(a * zz[2] + b - w[2]) < 1e-6:
            return matching.Transform(complex(a), complex(b), mirrored)
    raise ValueError("not a symmetry of the rectangle")


def _repetitive(
    source: np.ndarray,
    target: np.ndarray,
    transform: matching.Transform,
    region: regions.CopiedRegion,
    correlation: float,
) -> bool:
    """Whether the match holds just as well one repeat further along the target panel's
    own repetition (similar gel lanes, a grid): then it pins nothing down, it is a pattern
    matching a pattern, not a copy."""
    shift = _repeat_shift(target)
    if shift is None:
        return False
    return any(
        regions.verified(
            target,
            matching.Transform(transform.a, transform.b + sign * shift, transform.mirrored),
            region.target,
            correlation,
            source=source,
        )
        > 0.5 * region.target.sum()
        for sign in (1, -1)
    )


def _repeat_shift(gray: np.ndarray) -> complex | None:
    """The panel's strongest repeat (x + iy pixels) from its autocorrelation, if it has
    one at least half as strong as the unshifted image; None for unrepeating content."""
    centred = gray - gray.mean()
    power = np.abs(np.fft.rfft2(centred)) ** 2
    autocorrelation = np.fft.fftshift(np.fft.irfft2(power, s=gray.shape))
    middle = np.array(gray.shape) // 2
    peak = autocorrelation[tuple(middle)]
    if peak <= 0:
        return None
    # Rounded, so that last-bit FFT differences between builds cannot move the maximum.
    autocorrelation = np.round(autocorrelation / peak, 6)
    yy, xx = np.ogrid[: gray.shape[0], : gray.shape[1]]
    autocorrelation[(yy - middle[0]) ** 2 + (xx - middle[1]) ** 2 < _MIN_REPEAT**2] = 0
    row, column = np.unravel_index(int(np.argmax(autocorrelation)), gray.shape)
    if autocorrelation[row, column] < 0.5:
        return None
    return complex(column - middle[1], row - middle[0])


def compare(
    images: list[Image],
    max_keypoints: int = 6000,
    min_matches: int = 8,
    correlation: float = 0.8,
    min_area: int = 400,
) -> dict[str, Any]:
    """Reuse among several images and their panels, as JSON-ready data.

    Every panel of every image is compared with every other panel, in the same image or
    another. Returns the images with their panel boxes, the pairs found (each side with
    its image index, panel letter, panel box and an outline in image pixels), and a score,
    verdict and reason for the set.
    """
    boxes = [split_panels(image.gray()) for image in images]
    units = units_of([image.gray() for image in images], boxes)
    found, keypoints, detected = find_reuse(
        units, max_keypoints, min_matches, correlation, min_area
    )
    letters = [letter(index) for boxes_of_image in boxes for index in range(len(boxes_of_image))]
    pairs = [
        {
            "first": _side(units[entry.first], letters[entry.first], entry.source),
            "second": _side(units[entry.second], letters[entry.second], entry.target),
            "transform": {
                "angle": round(entry.transform.angle, 1),
                "scale": round(entry.transform.scale, 3),
                "mirrored": entry.transform.mirrored,
                "description": entry.transform.describe(),
            },
            "matches": entry.matches,
            "correlation": round(entry.correlation, 3),
            "pixels": int(entry.target.sum()),
        }
        for entry in found
    ]
    score = max(entry.score for entry in found) if found else 0.1
    if found:
        shared = len({(pair["first"]["image"], pair["second"]["image"]) for pair in pairs})
        reason = f"{len(pairs)} reused region(s), among {shared} pair(s) of images."
    else:
        reason = f"No content is shared among the {len(units)} panels of {len(images)} images."
    return {
        "images": [
            {
                "name": image.name,
                "width": image.width,
                "height": image.height,
                "panels": [[box.left, box.top, box.right, box.bottom] for box in image_boxes],
            }
            for image, image_boxes in zip(images, boxes, strict=True)
        ],
        "pairs": pairs,
        "panels": len(units),
        "keypoints": keypoints,
        "keypoints_detected": detected,
        "score": round(score, 4),
        "verdict": verdict_for(score),
        "reason": reason,
    }


def _side(unit: Unit, panel: str, mask: np.ndarray) -> dict[str, Any]:
    box = unit.box
    return {
        "image": unit.image,
        "panel": panel,
        "box": [box.left, box.top, box.right, box.bottom],
        "outline": outline(mask, box.left, box.top),
    }
