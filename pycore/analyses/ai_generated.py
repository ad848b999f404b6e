"""AI-generated image: a small learned detector of generators' traces in the fine grain.

Method: a fully convolutional network (models/ai_generated, ~90k weights) reads the
luminance's high-pass residual and gives a logit per 16x16 cell that the grain there was
drawn by a generator's decoder rather than recorded by a camera or microscope. It was
trained on real micrographs against images redrawn by our own small autoencoders, one per
kind of up-sampling layer used by GAN and diffusion decoders (AutoGAN: X. Zhang,
S. Karaman and S.-F. Chang, "Detecting and Simulating Artifacts in GAN Fake Images",
WIFS 2019), and by a small denoising U-Net sampling as diffusion models do (SDEdit,
Meng et al., ICLR 2022), and against the synthetic blot patches of Manjunath et al.
(WIFS 2024), with JPEG, resizing and blur applied alike to both classes. The image's
statistic is the mean of the highest tenth of its cell logits, so that a generated panel
or patch in an otherwise genuine figure still counts, and each panel of a figure
(pycore.layout) is also scored on its own cells; the bands were set on held-out real
images (models/ai_generated/card.md gives the data, the commands and the measured rates).
"""

from __future__ import annotations

import numpy as np

from ..enlargement import native_resolution
from ..image import Image
from ..layout import letter, split_panels
from ..learned import model_map
from ..registry import analysis
from ..result import (
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
_CLEAN = 2.819
_SUSPICIOUS = 4.969
_TOP_SHARE = 0.1
# Fewer cells than this cannot be pooled into an image verdict.
_MIN_CELLS = 16


@analysis(
    id="ai_generated",
    title="AI-generated image (learned detector)",
    group="learned",
    help=(
        "A small neural network trained to tell the fine grain a generator's decoder draws "
        "(GAN, diffusion) from the grain a camera or microscope records. The heat map shows "
        "where the grain looks generated, cell by cell (16x16 pixels); the score pools the "
        "most generated-looking tenth of the cells, so a generated panel in a genuine figure "
        "counts; in a figure, each panel is boxed with its own score. It judges pixels "
        "only, never the file's format or metadata. An image enlarged 2x by the usual "
        "kernels (nearest, bilinear, bicubic, mostly Lanczos) is recognised and judged at "
        "its size before. "
        "Common false alarms: images enlarged in other ways (other factors than two, or by "
        "Lanczos where the enlargement is not recognised: interpolation is an up-sampling "
        "too; one in twenty genuine images enlarged 2x by Lanczos was called generated in "
        "validation), heavy denoising or deconvolution, "
        "and renderings (plots, diagrams). It was trained on a "
        "limited range of generators: an image from a very different one (a diffusion model "
        "working on pixels, a GAN's photograph) may pass as genuine."
    ),
)
async def ai_generated(image: Image) -> Result:
    gray = image.gray()
    # An enlarged image is judged at the size it had: the enlargement's interpolation is an
    # up-sampling's trace too, but says nothing about how the pixels were first made.
    native = native_resolution(gray)
    logits = await model_map(MODEL, native.gray, _CELL)
    # Each logit's cell, in the pixels of the image as given.
    cell = _CELL * native.factor
    if logits.size < _MIN_CELLS:
        return Result(
            reason="Too small to judge: the detector needs 16 cells of 16x16 pixels (64x64)."
        )
    pooled = top_share_mean(logits, _TOP_SHARE)
    score = calibrated(pooled, _CLEAN, _SUSPICIOUS)
    # Each cell on the verdict's scale: as generated-looking as a suspicious image's cells.
    cell_scores = calibration_curve(logits, _CLEAN, _SUSPICIOUS)
    generated_share = float(np.mean(cell_scores >= SUSPICIOUS_FROM))
    panels = panel_verdicts(gray, logits, cell)
    if score >= SUSPICIOUS_FROM:
        reason = (
            f"The fine grain looks generated: {generated_share:.0%} of the image's cells "
            "carry a generator's trace (see the map)."
        )
    elif score >= INCONCLUSIVE_FROM:
        reason = (
            "Some cells look generated, but not clearly: the grain is between what genuine "
            "images and generators give."
        )
    else:
        reason = "The fine grain looks recorded, not generated."
    if native.factor > 1:
        reason += (
            f" The image looks enlarged {native.factor}x (its steps between neighbours "
            f"alternate), so it was judged at 1/{native.factor} of its size."
        )
    return Result(
        score=score,
        reason=reason,
        maps={
            "generated": Map(
                expand_blocks(cell_scores, cell, image.height, image.width),
                colormap="inferno",
                legend=(
                    f"how generated each {cell}x{cell} cell looks, on the verdict's scale "
                    "(0.65 and up: suspicious)"
                ),
            )
        },
        marks=[mark for mark, _ in panels],
        findings=[
            statistic("Mean logit of the top tenth of cells", pooled, "logit"),
            statistic("Cells that look generated", 100.0 * generated_share, "%"),
            statistic("Alternation of neighbour steps", native.alternation, "score"),
            statistic("Judged at a reduction of", native.factor, "x"),
            *(row for _, row in panels),
        ],
    )


def panel_verdicts(gray: np.ndarray, logits: np.ndarray, cell: int) -> list[tuple[dict, dict]]:
    """For a figure of several panels, each panel's own score from the cells inside it
    (``logits`` has one per ``cell`` x ``cell`` pixels of ``gray``): (a box mark, a
    findings row) per panel large enough to judge. A single image gives none (the image's
    score is its own)."""
    boxes = split_panels(gray)
    if len(boxes) < 2:
        return []
    judged = []
    for index, box in enumerate(boxes):
        # Whole cells only: a cell straddling the gutter mixes the panel with white.
        cells = logits[
            -(-box.top // cell) : box.bottom // cell, -(-box.left // cell) : box.right // cell
        ]
        if cells.size < _MIN_CELLS:
            continue
        score = calibrated(top_share_mean(cells, _TOP_SHARE), _CLEAN, _SUSPICIOUS)
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
