"""AI-generated image: two tests of the fine grain, a learned detector of generators'
traces and a model of real images that generated grain surprises.

1. Generators' traces. A fully convolutional network (models/ai_generated, 536k weights:
   the mean of six members, three seeds' trainings of one on the luminance's high-pass
   residual and one on its neighbouring-pixel residual, NPR: Tan et al., CVPR 2024)
   gives a logit per 16x16 cell that the grain there was drawn by a generator's decoder
   rather than recorded by a camera or microscope. It was trained on real micrographs
   against images redrawn by our own small autoencoders, one per kind of up-sampling
   layer used by GAN and diffusion decoders (AutoGAN: X. Zhang, S. Karaman and S.-F.
   Chang, "Detecting and Simulating Artifacts in GAN Fake Images", WIFS 2019), and by a
   small denoising U-Net sampling as diffusion models do (SDEdit, Meng et al., ICLR
   2022), and against the synthetic blot patches of Manjunath et al. (WIFS 2024), with
   JPEG, resizing and blur applied alike to both classes. Its statistic is the mean of
   the highest tenth of the cell logits, so that a generated panel or patch in an
   otherwise genuine figure still counts.
2. Coding-cost surprise (ZED: Cozzolino et al., ECCV 2024; pycore.coding_cost): a lossless
   coder's model of real images, trained on real images only (models/coding_cost),
   predicts each pixel from the image at half size; the statistic is the median over
   cells of how much more the pixels cost to code than the model expects. It knows no
   generator, so it reaches generators unlike any the network was trained against.

The score is the network's, or the coding-cost test's where that one decides and is
higher. Each panel of a figure (pycore.layout) is also scored on its own cells. Both
tests' bands were set on genuine images only (models/ai_generated/card.md and
models/coding_cost/card.md give the data, the commands and the measured rates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..coding_cost import gap_cells, median_gap
from ..enlargement import native_resolution
from ..image import Image
from ..layout import letter, split_panels
from ..learned import model_map
from ..registry import analysis
from ..result import (
    DECIDED_FROM,
    INCONCLUSIVE_FROM,
    SUSPICIOUS_FROM,
    Map,
    Result,
    calibrated,
    calibration_curve,
    expand_blocks,
    statistic,
    verdict_for,
)

MODEL = "ai_generated"
_CELL = 16
# The statistic (mean of the top tenth of cell logits) taken as clean and as suspicious:
# the 90th and 99th percentiles of its values on the calibration split of
# ../shared/data/real (`python -m models.calibrate ai_generated` printed them, 14 held-out images).
_CLEAN = 2.491
_SUSPICIOUS = 4.108
_TOP_SHARE = 0.1
# The coding-cost test's findings (its bands are calibrated from the first).
GAP_FINDING = "Coding-cost gap, median of cells"
GAP_AS_GIVEN_FINDING = "Coding-cost gap at the size given, where reduced"
SURPRISE_SCORE_FINDING = "Score of the coding-cost test"
# The median coding-cost gap (nats per pixel, pycore.coding_cost) taken as clean and as
# suspicious: the 99th percentile and the maximum of its values on the 139 genuine images
# of the training and calibration splits that it judges (`python -m models.calibrate
# coding_cost`).
_GAP_CLEAN = 0.552
_GAP_SUSPICIOUS = 0.774
# Fewer cells than this cannot be pooled into an image verdict.
_MIN_CELLS = 16


@analysis(
    id="ai_generated",
    title="AI-generated image (learned detector)",
    group="learned",
    help=(
        "Two tests of the fine grain. A small neural network trained to tell the grain a "
        "generator's decoder draws (GAN, diffusion) from the grain a camera or microscope "
        "records: its heat map shows where the grain looks generated, cell by cell (16x16 "
        "pixels), and its score pools the most generated-looking tenth of the cells, so a "
        "generated panel in a genuine figure counts. And a model of real images only, never "
        "shown a generated one, that predicts each pixel from the image at half size: grain "
        "that costs clearly more to code than it expects is unlike recorded images' (the "
        "surprise map), whatever drew it. The score is the higher of the two where the "
        "second decides (the reason says when it could not judge: too small, dark or "
        "saturated an image). In a figure, each panel is boxed with its own score. It judges "
        "pixels only, never the file's format or metadata. An enlarged image is recognised "
        "by the periodic trace of its enlargement (nearest neighbour from 1.04x by its "
        "repeated rows and columns; 2x by bilinear, bicubic, mostly Lanczos; other "
        "factors from 1.1x mostly, by bicubic, bilinear or Lanczos, and often when saved "
        "as JPEG afterwards, but not near 8/7x, 4/3x or 8/5x) and judged at its size "
        "before: by other factors than 2x, on its old pixels found again where its "
        "kernel and grid show clearly, else shrunk, which blurs the finest grain (the "
        "reason then says so). "
        "Common false alarms: enlargements not recognised (interpolation is an "
        "up-sampling too: Lanczos on a noisy image, or strong JPEG compression "
        "afterwards, can hide its trace), heavy denoising or deconvolution, renderings "
        "(plots, diagrams, binary masks), and for the second test very noisy fluorescence "
        "and images shrunk without smoothing. Generated images shrunk afterwards are "
        "often only inconclusive (shrunk by 3/4, a crude decoder's checkerboard can pass "
        "for an enlargement's trace, and the image is then judged smaller still), and "
        "those from generators unlike the ones the network knows, whose grain the model "
        "of real images finds plausible, may pass as genuine."
    ),
)
async def ai_generated(image: Image) -> Result:
    gray = image.gray()
    # An enlarged image is judged at the size it had: the enlargement's interpolation is an
    # up-sampling's trace too, but says nothing about how the pixels were first made.
    native = native_resolution(gray)
    (logits,) = await model_map(MODEL, native.gray, _CELL)
    # Each logit's cell, in the pixels of the image as given.
    cell = _CELL * native.factor
    if logits.size < _MIN_CELLS:
        return Result(
            reason="Too small to judge: the detector needs 16 cells of 16x16 pixels (64x64)."
        )
    gaps = await gap_cells(native.gray)
    # Resampled to reduce it by another factor than two, the image is also put to the
    # coding-cost test as given: a smooth enlargement only lowers its surprise, so that
    # evidence is safe, and an image taken for an enlargement that was not one (a crude
    # decoder's checkerboard shrunk by 3/4 repeats like a 1.5x enlargement's trace) keeps
    # it. Not after halvings alone, nor where a nearest-neighbour enlargement's repeated
    # lines were dropped: repeated pixels surprise the model of real images (9% of the
    # held-out genuine images enlarged 2x so were called generated when this was tried).
    gap_as_given = None
    if native.resampled:
        gap_as_given = median_gap(await gap_cells(gray), _MIN_CELLS)
    evidence = Evidence(logits, gaps, gap_as_given)
    score = evidence.score
    # Each cell on the verdict's scale: as generated-looking as a suspicious image's cells.
    cell_scores = calibration_curve(logits, _CLEAN, _SUSPICIOUS)
    generated_share = float(np.mean(cell_scores >= SUSPICIOUS_FROM))
    surprise_scores = np.nan_to_num(calibration_curve(gaps, _GAP_CLEAN, _GAP_SUSPICIOUS))
    panels = panel_verdicts(gray, evidence, cell)
    reason = " ".join(reasons(evidence, generated_share)) or (
        "The fine grain looks recorded, not generated."
    )
    if evidence.gap is None and score < SUSPICIOUS_FROM:
        # The second test abstained: a clean verdict here is one test's, and the network
        # alone misses generators unlike those it was trained against.
        reason += (
            f" The model of real images could not judge it (fewer than {_MIN_CELLS} of its "
            f"{_CELL}x{_CELL} cells have grain clear of black or saturation: the image is "
            "small, dark or saturated), so this rests on the network's test alone."
        )
    if native.factor > 1:
        reason += (
            f" The image looks enlarged {native.factor:.3g}x (the periodic trace of an "
            f"interpolation or of repeated lines), so it was judged at 1/{native.factor:.3g} "
            "of its size."
        )
        if native.shrunk and score < SUSPICIOUS_FROM:
            reason += (
                " Its pixels from before the enlargement could not be recovered exactly (the "
                "interpolation's kernel or grid does not show clearly, as after a JPEG save or "
                "on smooth content), so it was shrunk instead, which blurs away some of the "
                "finest grain, where generators' traces lie: this test is weaker here, and a "
                "generated image can pass as recorded."
            )
    return Result(
        score=score,
        reason=reason,
        maps={
            "generated": Map(
                expand_blocks(cell_scores, cell, image.height, image.width),
                colormap="inferno",
                legend=f"how generated each {cell:.3g}x{cell:.3g} cell looks, on the "
                "verdict's scale (0.65 and up: suspicious)",
            ),
            "surprise": Map(
                expand_blocks(surprise_scores, cell, image.height, image.width),
                colormap="inferno",
                legend=f"how much more each {cell:.3g}x{cell:.3g} cell costs to code than a model "
                "of real images expects, on the verdict's scale (the score takes the median "
                "cell; single cells vary more; cells too dark or saturated to judge: 0)",
            ),
        },
        marks=[mark for mark, _ in panels],
        findings=[
            statistic("Mean logit of the top tenth of cells", evidence.pooled_logit, "logit"),
            statistic("Cells that look generated", 100.0 * generated_share, "%"),
            statistic("Score of the generator-trace network", evidence.network_score, "score"),
            statistic(GAP_FINDING, evidence.gap, "nat/pixel"),
            statistic(GAP_AS_GIVEN_FINDING, gap_as_given, "nat/pixel"),
            statistic(SURPRISE_SCORE_FINDING, evidence.surprise_score, "score"),
            statistic("Alternation of neighbour steps", native.alternation, "score"),
            statistic("Judged at a reduction of", native.factor, "x"),
            *(row for _, row in panels),
        ],
    )


def reasons(evidence: Evidence, generated_share: float) -> list[str]:
    """What each test found, where it counts towards the score."""
    found = []
    network_score = evidence.network_score
    if network_score >= SUSPICIOUS_FROM:
        found.append(
            f"The fine grain looks generated: {generated_share:.0%} of the image's cells "
            "carry a generator's trace (see the map)."
        )
    elif network_score >= INCONCLUSIVE_FROM:
        found.append(
            "Some cells look generated, but not clearly: the grain is between what genuine "
            "images and generators give."
        )
    surprise = evidence.surprise_score
    if surprise is not None and surprise >= DECIDED_FROM:
        where = " of the image as given" if evidence.gap_is_as_given else ""
        found.append(
            f"Coding the grain{where} costs {evidence.gap:.2f} nat a pixel more than a "
            "model of real images expects: "
            + (
                "it is unlike any recorded image's"
                + ("." if evidence.gap_is_as_given else " (see the surprise map).")
                if surprise >= SUSPICIOUS_FROM
                else "more than nearly every genuine image measured, but not by far."
            )
        )
    return found


@dataclass(frozen=True)
class Evidence:
    """The two tests' cell maps on one grid: the network's logits and the coding-cost
    gaps (NaN where a cell has too little grain to judge), and where the image was
    judged reduced, the coding-cost gap of the image as given. The score is the
    network's, or the coding-cost test's where that one decides (0.5 and up) and is
    higher: each test was calibrated on genuine images apart, and either's finding alone
    is a reason. Below its decision point the coding-cost test says nothing: its lower
    band holds the oddest genuine images (noisy fluorescence). Each figure is computed
    once, when first asked for."""

    logits: np.ndarray
    gaps: np.ndarray
    gap_as_given: float | None = None

    def __post_init__(self) -> None:
        assert self.logits.shape == self.gaps.shape, "the two tests' cells must coincide"

    @cached_property
    def pooled_logit(self) -> float:
        return top_share_mean(self.logits, _TOP_SHARE)

    @cached_property
    def network_score(self) -> float:
        return calibrated(self.pooled_logit, _CLEAN, _SUSPICIOUS)

    @cached_property
    def gap(self) -> float | None:
        """The higher of the judged sizes' gaps (None where neither is judged)."""
        judged = [
            gap for gap in (median_gap(self.gaps, _MIN_CELLS), self.gap_as_given) if gap is not None
        ]
        return max(judged, default=None)

    @cached_property
    def gap_is_as_given(self) -> bool:
        """Whether the gap counted is the image's as given (the surprise map, on the
        reduced image's cells, then does not show it)."""
        return self.gap is not None and self.gap == self.gap_as_given

    @cached_property
    def surprise_score(self) -> float | None:
        if self.gap is None:
            return None
        return calibrated(self.gap, _GAP_CLEAN, _GAP_SUSPICIOUS)

    @cached_property
    def score(self) -> float:
        surprise = self.surprise_score
        if surprise is None or surprise < DECIDED_FROM:
            return self.network_score
        return max(self.network_score, surprise)

    def within(self, rows: slice, cols: slice) -> Evidence:
        """A part of the grid (a panel): its cells only, so without the whole image's
        gap as given."""
        return Evidence(self.logits[rows, cols], self.gaps[rows, cols])


def panel_verdicts(gray: np.ndarray, evidence: Evidence, cell: float) -> list[tuple[dict, dict]]:
    """For a figure of several panels, each panel's own score from the cells inside it
    (``evidence`` has one cell per ``cell`` x ``cell`` pixels of ``gray``): (a box mark, a
    findings row) per panel large enough to judge. A single image gives none (the image's
    score is its own)."""
    boxes = split_panels(gray)
    if len(boxes) < 2:
        return []
    judged = []
    for index, box in enumerate(boxes):
        # Whole cells only: a cell straddling the gutter mixes the panel with white.
        inside = evidence.within(
            slice(math.ceil(box.top / cell), math.floor(box.bottom / cell)),
            slice(math.ceil(box.left / cell), math.floor(box.right / cell)),
        )
        if inside.logits.size < _MIN_CELLS:
            continue
        score = inside.score
        name = f"panel {letter(index)}"
        mark = {
            "kind": "box",
            "box": [box.left, box.top, box.right, box.bottom],
            "label": f"{name}: {verdict_for(score)} ({score:.2f})",
        }
        judged.append((mark, statistic(f"Score of {name}", score, "score")))
    return judged


def top_share_mean(values: np.ndarray, share: float) -> float:
    """The mean of the highest ``share`` of ``values`` (at least one of them)."""
    flat = np.sort(values.ravel())
    count = max(round(flat.size * share), 1)
    return float(flat[-count:].mean())
