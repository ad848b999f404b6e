"""Duplicates: a panel shown again in another panel or another image, under each transform;
nothing on figures of distinct panels, similar gels or text."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import ndimage

from pycore import cli, get, load, reuse
from tests.synthetic import assemble_figure, encode, fine_texture
from tests.unit.test_copy_move import gel_with_similar_lanes, text_page

HEIGHT, WIDTH = 170, 210


def distinct_panels(count: int = 6) -> list[np.ndarray]:
    return [fine_texture(WIDTH + 40, 10 + seed)[:HEIGHT, :WIDTH] for seed in range(count)]


def reused(panel: np.ndarray, kind: str) -> np.ndarray:
    """``panel`` shown again under ``kind``, at the panel size."""
    if kind == "rotate90":
        return np.rot90(panel)[:HEIGHT, :WIDTH] if WIDTH <= HEIGHT else _fit(np.rot90(panel))
    if kind == "rotate37":
        return ndimage.rotate(panel, 37, reshape=False, order=1, mode="reflect")
    if kind == "flip":
        return panel[:, ::-1]
    if kind.startswith("scale"):
        return _fit(ndimage.zoom(panel, float(kind[5:]), order=1))
    if kind == "contrast":
        return (panel - panel.mean()) * 1.5 + panel.mean()
    if kind == "crop":  # an overlapping field of view: shifted by a third of the panel
        return _fit(panel[HEIGHT // 3 :, WIDTH // 3 :])
    return panel


def _fit(panel: np.ndarray) -> np.ndarray:
    """Cut or pad (with mid gray, a blank area) to the panel size."""
    fitted = np.full((HEIGHT, WIDTH), 128.0)
    height, width = min(HEIGHT, panel.shape[0]), min(WIDTH, panel.shape[1])
    fitted[:height, :width] = panel[:height, :width]
    return fitted


@pytest.mark.parametrize(
    ("kind", "described"),
    [
        ("same", "copied as is"),
        ("rotate90", "rotated"),
        ("rotate37", "37 degrees"),
        ("flip", "flipped horizontally"),
        ("scale0.6", "scaled x0.6"),
        ("scale1.7", "scaled x1.7"),
        ("contrast", "copied as is"),
        ("crop", "copied as is"),
    ],
)
@pytest.mark.parametrize("jpeg", [False, True], ids=["png", "jpeg75"])
def test_a_reused_panel_is_found_under_each_transform(kind, described, jpeg):
    panels = distinct_panels()
    panels[4] = reused(panels[0], kind)
    figure, boxes = assemble_figure(panels, 3, 14)
    data = encode(figure, "JPEG", quality=75) if jpeg else encode(figure, "PNG")
    result = get("duplicates").run_sync(load(data, "figure.png"))
    assert result.verdict == "suspicious", result.findings
    assert "A and E" in result.reason
    labels = [mark["label"] for mark in result.marks]
    assert any(label.startswith("A -> E") and described in label for label in labels), labels
    # The outlines lie in the two panels.
    mark = next(mark for mark in result.marks if mark["label"].startswith("A -> E"))
    for outline, (left, top, right, bottom) in (
        (mark["source"], boxes[0]),
        (mark["target"], boxes[4]),
    ):
        points = np.array(outline)
        assert (points[:, 0] >= left - 1).all() and (points[:, 0] <= right + 1).all()
        assert (points[:, 1] >= top - 1).all() and (points[:, 1] <= bottom + 1).all()


@pytest.mark.parametrize(
    "make",
    [
        lambda seed: fine_texture(WIDTH + 40, 10 + seed)[:HEIGHT, :WIDTH],
        lambda seed: gel_with_similar_lanes(seed)[:HEIGHT, :WIDTH],
        lambda seed: text_page(seed)[:HEIGHT, :WIDTH],
    ],
    ids=["distinct", "gels", "text"],
)
def test_figures_of_distinct_panels_are_clean(make):
    figure, _ = assemble_figure([make(seed) for seed in range(6)], 3, 14)
    for data in (encode(figure, "PNG"), encode(figure, "JPEG", quality=80)):
        result = get("duplicates").run_sync(load(data, "figure.png"))
        # Panels of text on white have no edges to split at: one panel, no verdict.
        assert result.verdict in ("clean", None), result.findings
        assert result.verdict == "clean" or result.score is None


def test_a_single_panel_has_nothing_to_compare():
    pixels = np.clip(np.rint(fine_texture(300)), 0, 255).astype(np.uint8)
    result = get("duplicates").run_sync(load(encode(pixels, "PNG"), "single.png"))
    assert result.score is None and "One panel" in result.reason


def images_with_a_reuse() -> list[bytes]:
    """Three files: a figure, an unrelated image, and a rotated crop of the figure's panel B."""
    panels = distinct_panels(4)
    figure, _ = assemble_figure(panels, 2, 14)
    other = np.clip(np.rint(fine_texture(260, 99)), 0, 255).astype(np.uint8)
    crop = np.clip(np.rint(np.rot90(panels[1][20:150, 30:200], -1)), 0, 255).astype(np.uint8)
    return [
        encode(figure, "PNG"),
        encode(other, "PNG"),
        encode(crop, "JPEG", quality=85),
    ]


def test_reuse_is_found_across_images():
    images = [load(data, name) for data, name in zip(images_with_a_reuse(), "abc", strict=True)]
    report = reuse.compare(images)
    assert report["verdict"] == "suspicious"
    assert [
        panel_count for panel_count in map(len, (entry["panels"] for entry in report["images"]))
    ] == [4, 1, 1]
    pair = report["pairs"][0]
    assert len(report["pairs"]) == 1
    assert (pair["first"]["image"], pair["first"]["panel"]) == (0, "B")
    assert (pair["second"]["image"], pair["second"]["panel"]) == (2, "A")
    assert abs(abs(pair["transform"]["angle"]) - 90) < 3 and not pair["transform"]["mirrored"]


def test_the_command_compares_files_and_reports_a_bad_one(tmp_path, capsys):
    paths = []
    for name, data in zip(
        ("figure.png", "other.png", "crop.jpg"), images_with_a_reuse(), strict=True
    ):
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    status = cli.main(
        ["duplicates", str(paths[0]), str(broken), str(paths[1]), str(paths[2]), "--json"]
    )
    report = json.loads(capsys.readouterr().out)
    assert status == 1  # the broken file
    assert [entry["file"] for entry in report["errors"]] == [str(broken)]
    assert [entry["file"] for entry in report["images"]] == [str(path) for path in paths]
    assert len(report["pairs"]) == 1 and report["verdict"] == "suspicious"


def test_a_plain_panel_reused_whole_is_found_by_its_grain():
    """Dim, nearly featureless panels (too plain for keypoints): one shown again, turned a
    quarter turn and brighter, is found; the others, alike but with their own noise, not."""
    rng = np.random.default_rng(5)
    dim = [
        ndimage.gaussian_filter(rng.normal(0, 1, (HEIGHT, HEIGHT)), 30) * 200
        + 25
        + rng.normal(0, 2, (HEIGHT, HEIGHT))
        for _ in range(4)
    ]
    figure, _ = assemble_figure(dim, 2, 14)
    result = get("duplicates").run_sync(load(encode(figure, "PNG"), "plain.png"))
    assert result.verdict == "clean", result.findings
    dim[3] = np.rot90(dim[0]) * 1.3 + 10
    figure, _ = assemble_figure(dim, 2, 14)
    result = get("duplicates").run_sync(load(encode(figure, "PNG"), "plain.png"))
    assert result.verdict == "suspicious", result.findings
    assert any(
        mark["label"].startswith("A -> D") and "rotated" in mark["label"] for mark in result.marks
    ), result.marks
    assert any("whole panel" in str(row["unit"]) for row in result.findings)
