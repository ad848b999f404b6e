"""Panels: a multi-panel figure split into its panels.

Method: recursive X-Y cut along gutters and seams (G. Nagy and S. Seth, ICPR 1984), with
the checks in pycore.layout that keep a single micrograph of scattered cells whole.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np

from ..image import Image
from ..layout import letter, split_panels
from ..registry import Param, analysis
from ..result import Map, Result, statistic


@analysis(
    id="panels",
    title="Panels",
    group="duplication",
    help=(
        "The figure split into its panels, each boxed and lettered in reading order. Panels "
        "are found along white or black gutters (panel letters in them are ignored) and "
        "along straight seams where two panels touch; a single micrograph stays one panel. "
        "The Duplicated panels analysis compares the panels with each other. Common false "
        "alarms: panels whose own white background runs into the gutter (plots, line "
        "drawings) are merged with their neighbours, and an image made of tiles set edge "
        "to edge is cut along the tile edges; adjust the gutter width and background "
        "tolerance."
    ),
)
def panels(
    image: Image,
    min_gutter: Annotated[int, Param("Narrowest gutter between panels (pixels)", 1, 100, 1)] = 3,
    tolerance: Annotated[
        float, Param("How far from white or black a gutter pixel may be (levels)", 0, 60)
    ] = 12.0,
    min_panel: Annotated[
        float, Param("Smallest panel, as a share of the figure's shorter side", 0.02, 0.9)
    ] = 0.08,
) -> Result:
    boxes = split_panels(image.gray(), min_gutter, tolerance, min_panel)
    labels = np.zeros((image.height, image.width), np.float32)
    marks = []
    for index, box in enumerate(boxes):
        labels[box.top : box.bottom, box.left : box.right] = (index + 1) / max(len(boxes), 1)
        marks.append(
            {
                "kind": "box",
                "box": [box.left, box.top, box.right, box.bottom],
                "label": letter(index),
            }
        )
    findings = [statistic("Panels", len(boxes), "panels")]
    findings += [
        {
            "statistic": f"Panel {letter(index)}",
            "value": f"{box.width} x {box.height}",
            "unit": f"at ({box.left}, {box.top})",
        }
        for index, box in enumerate(boxes)
    ]
    reason = (
        f"{len(boxes)} panels."
        if len(boxes) > 1
        else "A single panel: no gutters or seams split the image."
    )
    return Result(
        reason=reason,
        marks=marks,
        findings=findings,
        maps={"panels": Map(labels, colormap="viridis", legend="panel, in reading order")},
    )
