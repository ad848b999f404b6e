"""Local manipulation: a small learned segmenter of edited regions.

Method: a small U-Net (models/manipulation, ~160k weights; Ronneberger et al., MICCAI
2015) on the luminance's high-pass residual gives, for every 4x4 cell, a logit that the
pixels there were edited. An edit is told by its grain differing from its surroundings,
as forensic segmentation networks such as ManTra-Net (Wu, AbdAlmageed and Natarajan,
CVPR 2019) learn it; this one is ours, with none of their weights or data. It was trained
on our own synthetic edits of real micrographs (splicing, copy-move, inpainting by smooth
fill and by nearby texture, blur, added noise, denoising; masks from the code that made
them) and on the synthetic patches pasted into western blots by Manjunath et al.
(WIFS 2024), split by host blot. The image's statistic is the highest mean logit over a
16x16-pixel window; its bands were set on held-out real images
(models/manipulation/card.md gives the data, the command and the measured rates).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..image import Image
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
)

MODEL = "manipulation"
_CELL = 4
# Cells pooled into the window of the image statistic (4 cells = 16 pixels).
_WINDOW_CELLS = 4
# The statistic taken as clean and as suspicious: the 90th and 99th percentiles of its
# values on the calibration split of ../shared/data/real (python -m models.calibrate
# manipulation printed them, 14 held-out images).
_CLEAN = 4.69
_SUSPICIOUS = 4.99
# Regions outlined: windows at least inconclusive, at least this many cells (8x8 pixels).
_MIN_REGION_CELLS = 4
_MAX_REGIONS = 10


@analysis(
    id="manipulation",
    title="Locally edited regions (learned detector)",
    group="learned",
    help=(
        "A small neural network trained to find regions whose fine grain differs from the "
        "rest of the image the way local edits leave it: pasted or spliced regions, "
        "inpainting and AI clean-up, blurring, added noise or denoising, synthetic patches. "
        "The heat map scores every 16x16 window on the verdict's scale; boxes outline "
        "the regions from 'inconclusive' up. Common false alarms: saturated or perfectly flat "
        "areas (no grain to judge), strong compression artefacts, and boundaries between "
        "regions imaged differently (a stitched montage, an inset)."
    ),
)
async def manipulation(image: Image) -> Result:
    (logits,) = await model_map(MODEL, image.gray(), _CELL)
    if min(logits.shape) < _WINDOW_CELLS:
        return Result(reason="Too small to judge: the detector needs about 16 pixels each way.")
    windowed = ndimage.uniform_filter(logits, _WINDOW_CELLS, mode="nearest")
    peak = float(windowed.max())
    score = calibrated(peak, _CLEAN, _SUSPICIOUS)
    # Every window on the verdict's scale; regions are outlined from 'inconclusive' up.
    window_scores = calibration_curve(windowed, _CLEAN, _SUSPICIOUS)
    regions = edited_regions(window_scores >= INCONCLUSIVE_FROM, image.height, image.width)
    if score >= SUSPICIOUS_FROM:
        reason = (
            f"{len(regions)} region(s) whose grain differs from the rest of the image as "
            "local edits leave it (outlined)."
        )
    elif score >= INCONCLUSIVE_FROM:
        reason = "Weak signs of a local edit: the grain varies more than in most genuine images."
    else:
        reason = "The grain is consistent across the image: no sign of a local edit."
    return Result(
        score=score,
        reason=reason,
        maps={
            "edited": Map(
                expand_blocks(window_scores, _CELL, image.height, image.width),
                colormap="inferno",
                legend=(
                    "how edited each 16x16 window looks, on the verdict's scale "
                    "(0.65 and up: suspicious)"
                ),
            )
        },
        marks=[
            {"kind": "box", "box": box, "label": f"edit {index + 1}"}
            for index, box in enumerate(regions)
        ],
        findings=[
            statistic("Highest mean logit over a 16x16 window", peak, "logit"),
            statistic(
                "Image area at least inconclusive",
                100.0 * float(np.mean(window_scores >= INCONCLUSIVE_FROM)),
                "%",
            ),
        ],
    )


def edited_regions(mask: np.ndarray, height: int, width: int) -> list[list[int]]:
    """Boxes [left, top, right, bottom] in pixels of the largest regions of a cell mask."""
    labels, count = ndimage.label(mask)
    if not count:
        return []
    sizes = np.bincount(labels.ravel())[1:]
    extents = ndimage.find_objects(labels)
    boxes = []
    for index in np.argsort(-sizes, kind="stable")[:_MAX_REGIONS]:
        if sizes[index] < _MIN_REGION_CELLS:
            break
        rows, cols = extents[index]
        boxes.append(
            [
                cols.start * _CELL,
                rows.start * _CELL,
                min(cols.stop * _CELL, width),
                min(rows.stop * _CELL, height),
            ]
        )
    return boxes
