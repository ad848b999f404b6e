"""Copy-move: regions copied within the image, under rotation, mirroring and scaling.

Method: keypoint-based copy-move detection (I. Amerini et al., "A SIFT-based forensic
method for copy-move attack detection and transformation recovery", IEEE TIFS 6(3), 2011):
SIFT keypoints and their mirrored descriptors (pycore.features), g2NN matching within the
image (pycore.matching), RANSAC similarity transforms with or without a mirror, then dense
verification of each transform by local normalised cross-correlation between the image and
its own resampled copy (pycore.regions), which outlines the copied pixels and is
unaffected by brightness and contrast changes. Small images are searched at twice their
size, as SIFT's octave -1 does, so that small copies hold enough keypoints; a copy on
fewer matches than asked for is kept only if it also carries its source's grain (the image
less its 3x3 median), which look-alikes do not share. Copies moved, turned by quarter turns
or mirrored whole keep their grain exactly: in images up to 1024 pixels they are also
sought by correlating the grain with its eight dihedral versions (pycore.exact_copies),
which finds them however smooth their content, and kept where the grain agrees over most
of the verified copy. Pure shifts that also repeat further
on are periodic content (a texture, a grid, a ladder in every lane), as is any other match
within such content, and turns or mirrors that map one symmetric structure onto itself are
its symmetry: none of these is a copy. In a multi-panel figure only copies within one
panel count (pycore.layout splits it); copies from panel to panel are the duplicates
analysis's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from scipy import ndimage

from .. import exact_copies, features, matching, regions, workscale
from ..image import Image
from ..layout import split_panels
from ..registry import Param, analysis
from ..result import Map, Result, calibrated, statistic

_FEWEST_MATCHES = 4  # keypoint matches below which nothing is heard
_GRAIN_AGREEMENT = 0.5  # grain correlation that a copy on fewer than min_matches needs
# Share of a shift's verified pixels that verify again one repeat on: a copy's surroundings
# are unrelated (about none verify), a pattern's repeat (spacing drifting a little) does.
_REPEAT_SHARE = 0.25
_DOUBLE_UP_TO = 1024  # longest side (pixels) of the images searched at twice their size
# Grain correlation peaks (standard deviations) taken as clean and as suspicious evidence:
# about the highest chance gives over all offsets, and well beyond it.
_PEAK_CLEAN = 5.0
_PEAK_SUSPICIOUS = 6.5
# Grain agreement a copy found by its grain needs over the whole copy: an exact copy in a
# losslessly stored image carries its grain unchanged; lossy compression blurs it.
_CARRIED_GRAIN = {False: 0.9, True: _GRAIN_AGREEMENT}
_LOSSY_FORMATS = ("JPEG", "MPO", "WEBP")
# Share of a copy (verified on its content) over which its grain must agree too, in pieces
# of a reportable size: specks of agreeing grain in a larger look-alike are chance.
_GRAIN_COVERAGE = 0.5


@analysis(
    id="copy_move",
    title="Copy-move (duplicated regions)",
    group="duplication",
    help=(
        "Regions that appear twice in the image, also when the copy was rotated, flipped, "
        "scaled or made brighter or darker. Each copy is outlined in its own colour at both "
        "places, joined by a line, and labelled with how it was transformed. A verified copy "
        "is strong evidence of duplication. Common false alarms: genuinely repeated content "
        "(a grid, a periodic specimen, repeated text or symbols, identical markers), and "
        "flat or saturated background, which matches itself anywhere; check that the "
        "outlined content is biological detail, not a label or a pattern."
    ),
)
def copy_move(
    image: Image,
    max_keypoints: Annotated[
        int, Param("Most keypoints examined (caps the work on busy images)", 500, 10000, 500)
    ] = 4000,
    min_matches: Annotated[int, Param("Keypoint matches a copy needs", 4, 50, 1)] = 8,
    correlation: Annotated[
        float, Param("Correlation a copied pixel needs with its source (0-1)", 0.5, 0.99)
    ] = 0.8,
    min_area: Annotated[
        int, Param("Smallest copied region reported (pixels)", 64, 100000, 1)
    ] = 400,
) -> Result:
    # A large image is searched reduced (pycore.workscale): the search's memory grows with
    # the pixels. Areas are counted in the full image's pixels.
    factor = workscale.reduction_for(image)
    image = workscale.reduced(image, factor)
    min_area = workscale.reduced_area(min_area, factor)
    gray = image.gray() / 255.0
    # Small images are searched at twice their size: copies in them are small too, and
    # hold too few keypoints otherwise.
    points = features.detect(gray, max_keypoints, doubled=max(gray.shape) <= _DOUBLE_UP_TO)
    min_shift = _min_shift(image)
    found = matching.match(points, min_distance=min_shift)
    # Copies from one panel of a figure to another are the duplicates analysis's concern:
    # here only matches within one panel count.
    panel = _panel_labels(image)
    at = panel[_pixel(points.xy[:, 1], image.height), _pixel(points.xy[:, 0], image.width)]
    within = (at[found.first] == at[found.second]) & (at[found.first] > 0)
    found = matching.Matches(found.first[within], found.second[within], found.mirrored[within])
    source_xy, target_xy = points.xy[found.first], points.xy[found.second]
    # Small copies hold few keypoints: fewer matches than min_matches are heard too, but
    # only believed where the copy also carries its source's grain (below).
    fewest = min(min_matches, _FEWEST_MATCHES)
    models = matching.fit_transforms(source_xy, target_xy, found.mirrored, min_inliers=fewest)
    hypotheses = [
        _Hypothesis(transform, target_xy[inliers], int(inliers.sum()), None)
        for transform, inliers in models
    ]
    fine = regions.grain(gray)
    lossy = image.format in _LOSSY_FORMATS
    if max(gray.shape) <= _DOUBLE_UP_TO:
        # Copies moved, turned or mirrored whole keep their grain: found by it even where
        # their content is too smooth for keypoints (bands, blurred cells).
        hypotheses += [
            _Hypothesis(copy.transform, copy.seeds, 0, copy.peak)
            for copy in exact_copies.find(fine, min_shift)
        ]

    copies: list[tuple[_Hypothesis, regions.CopiedRegion]] = []
    covered = np.zeros(gray.shape, bool)
    patterned = np.zeros(gray.shape, bool)  # content shown to repeat as a pattern
    for hypothesis in hypotheses:
        transform = hypothesis.transform
        region = regions.copied_region(gray, transform, hypothesis.seeds, correlation, min_shift)
        if region is not None:
            own = panel == _panel_of(panel, hypothesis.seeds)
            region = regions.CopiedRegion(
                region.source & own, region.target & own, region.correlation
            )
        if region is None or min(region.target.sum(), region.source.sum()) < min_area:
            continue  # too small, or the source lies in another panel
        if _onto_itself(transform, region, min_shift):
            continue
        if hypothesis.peak is not None:
            # Found by its grain: held to the grain over the whole copy (which asks at
            # least _GRAIN_AGREEMENT).
            if not _carries_grain(hypothesis, region, fine, lossy, min_area):
                continue
        elif hypothesis.matches < min_matches and (
            _grain_agreement(fine, transform, region.target) < _GRAIN_AGREEMENT
        ):
            continue  # few matches on smooth look-alikes (bands, nuclei), not a copy
        if _periodic(gray, transform, region.target, correlation):
            patterned |= region.source | region.target
            continue
        # The same copy is often found both ways round (source <-> target): keep it once.
        if (covered & (region.source | region.target)).sum() > 0.5 * region.target.sum():
            continue
        covered |= region.source | region.target
        copies.append((hypothesis, region))
    # Content that repeats as a pattern (a ladder in every lane) also matches itself
    # mirrored or turned: such a match is the pattern again, not a copy.
    copies = [
        (hypothesis, region)
        for hypothesis, region in copies
        if (patterned & (region.source | region.target)).sum() <= 0.5 * region.target.sum()
    ]

    score = max((hypothesis.score() for hypothesis, _ in copies), default=0.1)
    findings: list[dict[str, Any]] = [
        statistic("Keypoints", len(points), "points"),
        *features.cap_note(points.detected, max_keypoints),
        statistic("Keypoint matches", len(found.first), "pairs"),
        statistic("Verified copies", len(copies), "regions"),
        *workscale.reduction_findings(factor),
    ]
    marks = []
    for group, (hypothesis, region) in enumerate(copies):
        findings.append(
            {
                "statistic": f"Copy {group + 1}",
                "value": hypothesis.transform.describe(),
                "unit": f"{hypothesis.evidence()}, {int(region.target.sum()) * factor**2} px, "
                f"correlation {region.correlation:.2f}",
            }
        )
        marks.append(
            {
                "kind": "match",
                "group": group,
                "label": hypothesis.transform.describe(),
                "source": regions.outline(region.source),
                "target": regions.outline(region.target),
            }
        )
    if copies:
        reason = (
            f"{len(copies)} region(s) appear twice in the image "
            f"({'; '.join(hypothesis.transform.describe() for hypothesis, _ in copies[:3])})."
        )
    else:
        reason = "No region of the image appears twice."
    return Result(
        score=score,
        reason=reason + workscale.reduction_note(factor),
        marks=workscale.enlarged_marks(marks, factor),
        findings=findings,
        maps={
            "copied": Map(
                covered.astype(np.float32),
                colormap="inferno",
                legend="pixels found twice (both copies)",
            )
        },
    )


@dataclass
class _Hypothesis:
    """A transform that may copy part of the image onto another part: from keypoint
    matches (their count), or from a peak of the grain correlation (its height)."""

    transform: matching.Transform
    seeds: np.ndarray  # N x 2 (x, y) target points the copy must touch
    matches: int
    peak: float | None

    def score(self) -> float:
        if self.peak is not None:
            return calibrated(self.peak, _PEAK_CLEAN, _PEAK_SUSPICIOUS)
        return regions.copy_score(self.matches)

    def evidence(self) -> str:
        if self.peak is not None:
            return f"grain correlation peak {self.peak:.0f} sd"
        return f"{self.matches} matches"


def _carries_grain(
    hypothesis: _Hypothesis,
    region: regions.CopiedRegion,
    fine: np.ndarray,
    lossy: bool,
    min_area: int,
) -> bool:
    """Whether a copy found by its grain (exact_copies) carries it over most of its
    verified extent, as well as the image's storage allows."""
    seeded = np.zeros(region.target.shape, bool)
    seeds = hypothesis.seeds.astype(np.intp)
    seeded[seeds[:, 1], seeds[:, 0]] = True
    # In pieces of at least min_area (one, or two where a halving turn or a mirror puts
    # both copies in the target): scattered specks of agreeing grain are repeated marks
    # (the letters of a text); a copy's grain agrees all across it, but for gaps of a few
    # pixels where the grain is blank.
    pieces, count = ndimage.label(ndimage.binary_dilation(seeded, iterations=4) & region.target)
    sizes = np.bincount(pieces.ravel(), minlength=count + 1)[1:]
    coverage = sizes[sizes >= min_area].sum() / max(region.target.sum(), 1)
    return bool(
        coverage >= _GRAIN_COVERAGE
        and _grain_agreement(fine, hypothesis.transform, region.target) >= _CARRIED_GRAIN[lossy]
    )


def _panel_of(panel: np.ndarray, points: np.ndarray) -> int:
    """The panel label of the first of ``points`` (x, y)."""
    height, width = panel.shape
    return int(panel[_pixel(points[:1, 1], height), _pixel(points[:1, 0], width)][0])


def _onto_itself(
    transform: matching.Transform, region: regions.CopiedRegion, min_shift: float
) -> bool:
    """Whether a turn or a mirror maps one structure onto itself: a symmetric thing (a
    head, a round cell, a band) matching its own other half, not a copy placed elsewhere.
    Its halves are one piece, parted only by the strip too close to its mirror image to be
    verified, and their verified pixels are sparse: pixels within ``min_shift`` of each other
    count as one piece. A copy lies apart from its source. Halving
    turns and mirrors map each copy onto the other, so both lie in both masks: the test
    is whether most pixels' counterparts lie in their own piece."""
    if not transform.mirrored and abs(transform.a - 1) < 0.05:
        return False  # a shift moves everything: repeats by shifts are _periodic's concern
    union = region.source | region.target
    pieces, _ = ndimage.label(ndimage.binary_dilation(union, iterations=math.ceil(min_shift)))
    rows, cols = np.nonzero(region.target)
    counterparts = transform.inverse().apply(np.stack([cols, rows], axis=1).astype(np.float64))
    height, width = union.shape
    across = (
        pieces[_pixel(counterparts[:, 1], height), _pixel(counterparts[:, 0], width)]
        == pieces[rows, cols]
    )
    return bool(np.mean(across) > 0.5)


def _grain_agreement(fine: np.ndarray, transform: matching.Transform, target: np.ndarray) -> float:
    """Correlation of the grain (``fine``, pycore.regions.grain) of the target region with
    that of its source."""
    rows, cols = np.nonzero(target)
    source = transform.inverse().apply(np.stack([cols, rows], axis=1).astype(np.float64))
    # Nearest pixel: interpolating would smooth the source's grain away.
    height, width = fine.shape
    moved = fine[_pixel(source[:, 1], height), _pixel(source[:, 0], width)]
    return regions.agreement(moved, fine[rows, cols])


def _panel_labels(image: Image) -> np.ndarray:
    """Each pixel's panel (1, 2, ...; 0 in gutters and margins)."""
    labels = np.zeros((image.height, image.width), np.intp)
    for index, box in enumerate(split_panels(image.gray()), start=1):
        labels[box.top : box.bottom, box.left : box.right] = index
    return labels


def _pixel(coordinates: np.ndarray, size: int) -> np.ndarray:
    return np.clip(np.rint(coordinates).astype(np.intp), 0, size - 1)


def _min_shift(image: Image) -> float:
    """Keypoints this close are the same structure, not a copy (2% of the image's side)."""
    return max(10.0, 0.02 * max(image.width, image.height))


def _periodic(
    gray: np.ndarray, transform: matching.Transform, target: np.ndarray, threshold: float
) -> bool:
    """Whether a pure shift also holds at twice the distance, or once more beyond the
    target, about as well as it holds at all: a repeating pattern (a grid, a tiled floor, a
    ladder run in every lane), not a copy."""
    if transform.mirrored or abs(transform.scale - 1) > 0.05 or abs(transform.angle) > 3:
        return False

    def holding(shift: complex) -> int:
        return regions.verified(gray, matching.Transform(1 + 0j, shift, False), target, threshold)

    once = holding(transform.b)
    return once > 0 and any(
        holding(shift) >= _REPEAT_SHARE * once for shift in (2 * transform.b, -transform.b)
    )
