"""Duplicates: panels, or parts of panels, shown twice in one figure.

Method: the figure is split into panels (pycore.layout, recursive X-Y cut), and every pair
of panels is compared by keypoint matching with geometric and dense verification
(pycore.reuse, after I. Amerini et al., IEEE TIFS 6(3), 2011 and D. Cozzolino et al.,
IEEE TIFS 10(11), 2015). Copies inside one panel are copy_move's concern; the same engine
compares the images dropped together, or those of a PDF, with each other.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np

from .. import features, regions, reuse, workscale
from ..image import Image
from ..layout import Box, letter, split_panels
from ..registry import Param, analysis
from ..result import Map, Result, statistic


@analysis(
    id="duplicates",
    title="Duplicated panels",
    group="duplication",
    help=(
        "Panels of the figure, or parts of them, shown again in another panel - also "
        "rotated, flipped, scaled, cropped or made brighter or darker. Each reuse is outlined "
        "in its own colour in both panels and joined by a line, labelled with the panels "
        "and the transform. Panels are found as in the Panels analysis. Common false "
        "alarms: an enlarged inset of a boxed area (a real, labelled zoom), the same "
        "marker or scale bar in several panels, and overlapping fields of view that the "
        "legend declares; check what the outlined content is."
    ),
)
def duplicates(
    image: Image,
    max_keypoints: Annotated[
        int, Param("Most keypoints examined, shared among the panels", 1000, 20000, 500)
    ] = 6000,
    min_matches: Annotated[int, Param("Keypoint matches a reuse needs", 4, 50, 1)] = 8,
    correlation: Annotated[
        float, Param("Correlation a reused pixel needs with its source (0-1)", 0.5, 0.99)
    ] = 0.8,
    min_area: Annotated[
        int, Param("Smallest reused region reported (pixels)", 64, 100000, 1)
    ] = 400,
) -> Result:
    # A large figure is searched reduced (pycore.workscale): the search's memory grows with
    # the pixels. Areas are counted in the full figure's pixels.
    factor = workscale.reduction_for(image)
    image = workscale.reduced(image, factor)
    min_area = workscale.reduced_area(min_area, factor)
    boxes = split_panels(image.gray())
    units = reuse.units_of([image.gray()], [boxes])
    found, keypoints, detected = reuse.find_reuse(
        units, max_keypoints, min_matches, correlation, min_area
    )
    findings: list[dict[str, Any]] = [
        statistic("Panels", len(boxes), "panels"),
        statistic("Panel pairs compared", len(boxes) * (len(boxes) - 1) // 2, "pairs"),
        statistic("Keypoints", keypoints, "points"),
        *features.cap_note(detected, keypoints),
        statistic("Reused regions", len(found), "regions"),
        *workscale.reduction_findings(factor),
    ]
    covered = np.zeros((image.height, image.width), bool)
    marks = []
    for group, entry in enumerate(found):
        source_box, target_box = boxes[entry.first], boxes[entry.second]
        label = f"{letter(entry.first)} -> {letter(entry.second)}: {entry.transform.describe()}"
        _paint(covered, entry.source, source_box)
        _paint(covered, entry.target, target_box)
        findings.append(
            {
                "statistic": f"Panel {letter(entry.first)} in panel {letter(entry.second)}",
                "value": entry.transform.describe(),
                "unit": entry.evidence(),
            }
        )
        marks.append(
            {
                "kind": "match",
                "group": group,
                "label": label,
                "source": regions.outline(entry.source, source_box.left, source_box.top),
                "target": regions.outline(entry.target, target_box.left, target_box.top),
            }
        )
    if len(boxes) < 2:
        return Result(
            reason="One panel: nothing to compare across panels (copy_move looks inside it).",
            findings=findings,
        )
    if found:
        pairs = sorted({(letter(entry.first), letter(entry.second)) for entry in found})
        reason = (
            f"Content is shown twice across panels: "
            f"{', '.join(f'{first} and {second}' for first, second in pairs[:4])}"
            f"{' and more' if len(pairs) > 4 else ''}."
        )
        score = max(entry.score for entry in found)
    else:
        reason = f"No content is shared between the {len(boxes)} panels."
        score = 0.1
    return Result(
        score=score,
        reason=reason + workscale.reduction_note(factor),
        marks=workscale.enlarged_marks(marks, factor),
        findings=findings,
        maps={
            "reused": Map(
                covered.astype(np.float32),
                colormap="inferno",
                legend="pixels shown in two panels (both places)",
            )
        },
    )


def _paint(canvas: np.ndarray, mask: np.ndarray, box: Box) -> None:
    canvas[box.top : box.bottom, box.left : box.right] |= mask
