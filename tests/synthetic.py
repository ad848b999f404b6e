"""Synthetic test images with known content, made the same way by unit and browser tests."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw
from scipy import ndimage


def textured_rgb(height: int = 256, width: int = 256, seed: int = 0) -> np.ndarray:
    """A smooth, textured colour scene (blurred noise plus shapes), like a micrograph."""
    rng = np.random.default_rng(seed)
    base = ndimage.gaussian_filter(rng.normal(size=(height, width, 3)), sigma=(4, 4, 0))
    base = (base - base.min()) / (base.max() - base.min())
    yy, xx = np.mgrid[:height, :width]
    for _ in range(12):
        cy, cx, radius = rng.uniform(0, height), rng.uniform(0, width), rng.uniform(8, 30)
        base[(yy - cy) ** 2 + (xx - cx) ** 2 < radius**2] += rng.uniform(-0.3, 0.3, size=3)
    return np.clip(base * 200 + 30, 0, 255).astype(np.uint8)


def encode(pixels: np.ndarray, format: str, **options: object) -> bytes:
    """Pixels saved by Pillow in ``format`` (with Pillow's save ``options``)."""
    buffer = io.BytesIO()
    PILImage.fromarray(pixels).save(buffer, format=format, **options)
    return buffer.getvalue()


def decode(data: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB"))


def fine_texture(size: int, seed: int = 0) -> np.ndarray:
    """Gray detail at several scales (float, about 30..230): what keypoints need to find."""
    rng = np.random.default_rng(seed)
    detail = sum(
        ndimage.gaussian_filter(rng.normal(size=(size, size)), sigma) * sigma**1.2
        for sigma in (1, 2, 4, 8)
    )
    return (detail - detail.min()) / (detail.max() - detail.min()) * 200 + 30


def assemble_figure(
    panels: list[np.ndarray],
    columns: int,
    gutter: int = 10,
    background: int = 255,
    letters: bool = True,
) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Gray panels (any sizes, 0..255) set in a grid, row by row, as journals lay out
    figures; each panel lettered A, B, ... in the gutter above it (on the panel itself
    when the gutter is too narrow). Returns the 8-bit figure and each panel's box (left,
    top, right, bottom)."""
    rows = [panels[start : start + columns] for start in range(0, len(panels), columns)]
    heights = [max(panel.shape[0] for panel in row) for row in rows]
    widths = [
        max(row[column].shape[1] for row in rows if column < len(row)) for column in range(columns)
    ]
    label = 12 if letters and gutter >= 12 else 0  # room for a letter above each row
    height = sum(heights) + len(rows) * (gutter + label) + gutter
    figure = np.full((height, sum(widths) + (columns + 1) * gutter), float(background))
    boxes = []
    top = gutter + label
    for row, height in zip(rows, heights, strict=True):
        left = gutter
        for column, panel in enumerate(row):
            figure[top : top + panel.shape[0], left : left + panel.shape[1]] = panel
            boxes.append((left, top, left + panel.shape[1], top + panel.shape[0]))
            left += widths[column] + gutter
        top += height + gutter + label
    picture = PILImage.fromarray(np.clip(np.rint(figure), 0, 255).astype(np.uint8))
    if letters:
        draw = ImageDraw.Draw(picture)
        ink = 0 if background > 127 else 255
        for index, (left, top, _, _) in enumerate(boxes):
            place = (left, top - label) if label else (left + 3, top + 2)
            draw.text(place, chr(ord("A") + index), fill=ink if label else 255)
    return np.asarray(picture), boxes
