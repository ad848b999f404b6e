"""Panels: figures split along gutters and seams; single images stay whole."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from pycore import get, load
from pycore.layout import split_panels
from tests.synthetic import assemble_figure, encode, fine_texture


def iou(first: tuple[int, ...], second: tuple[int, ...]) -> float:
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    inter = max(width, 0) * max(height, 0)
    area = (first[2] - first[0]) * (first[3] - first[1])
    return inter / (area + (second[2] - second[0]) * (second[3] - second[1]) - inter)


def textures(count: int, height: int = 150, width: int = 190) -> list[np.ndarray]:
    return [fine_texture(max(height, width), seed)[:height, :width] for seed in range(count)]


@pytest.mark.parametrize(
    ("columns", "count", "gutter", "background"),
    [(3, 6, 14, 255), (2, 6, 3, 255), (2, 4, 0, 255), (4, 4, 6, 0), (3, 9, 20, 255)],
    ids=["2x3-lettered", "3x2-thin", "2x2-no-gutter", "1x4-black", "3x3-wide"],
)
def test_figures_split_into_their_panels_in_reading_order(columns, count, gutter, background):
    figure, truth = assemble_figure(textures(count), columns, gutter, background)
    found = split_panels(figure.astype(np.float64))
    assert len(found) == count
    for box, expected in zip(found, truth, strict=True):  # same order: row by row
        assert iou((box.left, box.top, box.right, box.bottom), expected) > 0.9


def test_panels_of_different_sizes_and_a_jpeg_figure():
    panels = textures(5)
    panels[1] = panels[1][:100, :150]
    panels[3] = fine_texture(260, 9)[:230, :260]
    figure, truth = assemble_figure(panels, 3, 12)
    image = load(encode(figure, "JPEG", quality=80), "figure.jpg")
    boxes = [mark["box"] for mark in get("panels").run_sync(image).marks]
    assert len(boxes) == len(truth)
    assert all(max(iou(tuple(box), expected) for box in boxes) > 0.85 for expected in truth)


def scattered_nuclei() -> np.ndarray:
    """Bright blobs on a dark, slightly noisy background, like a DAPI image."""
    rng = np.random.default_rng(4)
    image = np.zeros((400, 500))
    yy, xx = np.mgrid[:400, :500]
    for _ in range(40):
        cy, cx, radius = rng.uniform(20, 380), rng.uniform(20, 480), rng.uniform(8, 20)
        image[(yy - cy) ** 2 + (xx - cx) ** 2 < radius**2] = rng.uniform(120, 240)
    return ndimage.gaussian_filter(image, 2) + rng.normal(3, 1, image.shape).clip(0)


@pytest.mark.parametrize(
    "make",
    [scattered_nuclei, lambda: fine_texture(400, 3)],
    ids=["nuclei-on-black", "texture"],
)
def test_a_single_image_is_one_panel(make):
    pixels = np.clip(np.rint(make()), 0, 255).astype(np.uint8)
    result = get("panels").run_sync(load(encode(pixels, "PNG"), "single.png"))
    assert len(result.marks) == 1, result.marks
    height, width = pixels.shape
    left, top, right, bottom = result.marks[0]["box"]
    assert (right - left) * (bottom - top) > 0.8 * width * height
    assert "single panel" in result.reason


def test_the_result_letters_each_panel_and_maps_them():
    figure, _ = assemble_figure(textures(4), 2, 14)
    result = get("panels").run_sync(load(encode(figure, "PNG"), "figure.png"))
    assert [mark["label"] for mark in result.marks] == ["A", "B", "C", "D"]
    assert all(mark["kind"] == "box" for mark in result.marks)
    assert result.score is None and result.reason == "4 panels."
    assert len(np.unique(result.maps["panels"].data)) == 5  # gutters + four panels
