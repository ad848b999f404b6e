"""Copy-move: copies found under each transform, and none on repetitive genuine content."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from scipy import ndimage

from pycore import get, load
from pycore.matching import Transform
from tests.metrics import pixel_auc
from tests.synthetic import encode, fine_texture

SIZE, SIDE, TOP, LEFT = 512, 150, 300, 320


def forged(kind: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A texture with a 150-pixel region copied onto (300, 320) under ``kind``; the mask of
    both copies."""
    base = fine_texture(SIZE, seed)
    truth = np.zeros(base.shape, bool)
    if kind.startswith("scale"):
        factor = float(kind[5:])
        side = int(SIDE / factor)
        patch = ndimage.zoom(base[30 : 30 + side, 30 : 30 + side], SIDE / side, order=1)[
            :SIDE, :SIDE
        ]
        truth[30 : 30 + side, 30 : 30 + side] = True
    elif kind == "rotate37":
        larger = base[10 : 10 + SIDE + 60, 10 : 10 + SIDE + 60]
        patch = ndimage.rotate(larger, 37, reshape=False, order=1)[30 : 30 + SIDE, 30 : 30 + SIDE]
        truth[40 : 40 + SIDE, 40 : 40 + SIDE] = True
    else:
        patch = base[30 : 30 + SIDE, 30 : 30 + SIDE]
        truth[30 : 30 + SIDE, 30 : 30 + SIDE] = True
        if kind == "rotate90":
            patch = np.rot90(patch)
        elif kind == "flip":
            patch = patch[:, ::-1]
        elif kind == "contrast":
            patch = (patch - patch.mean()) * 1.5 + patch.mean()
    base[TOP : TOP + SIDE, LEFT : LEFT + SIDE] = patch
    truth[TOP : TOP + SIDE, LEFT : LEFT + SIDE] = True
    return np.clip(np.rint(base), 0, 255).astype(np.uint8), truth


@pytest.mark.parametrize(
    ("kind", "described"),
    [
        ("shift", "copied as is"),
        ("rotate90", "rotated"),
        ("rotate37", "37 degrees"),
        ("flip", "flipped horizontally"),
        ("scale0.6", "scaled x0.6"),
        ("scale1.7", "scaled x1.7"),
        ("contrast", "copied as is"),
    ],
)
@pytest.mark.parametrize("jpeg", [False, True], ids=["png", "jpeg75"])
def test_a_copy_is_found_under_each_transform(kind, described, jpeg):
    pixels, truth = forged(kind)
    data = encode(pixels, "JPEG", quality=75) if jpeg else encode(pixels, "PNG")
    result = get("copy_move").run_sync(load(data, f"{kind}.png"))
    assert result.verdict == "suspicious", result.findings
    assert pixel_auc(result.maps["copied"].data, truth) > 0.9
    labels = [mark["label"] for mark in result.marks]
    assert any(described in label for label in labels), labels
    mark = result.marks[0]
    assert mark["kind"] == "match" and len(mark["source"]) >= 3 and len(mark["target"]) >= 3


def periodic_pattern() -> np.ndarray:
    rng = np.random.default_rng(1)
    tile = ndimage.gaussian_filter(rng.normal(size=(32, 32)), 1.5)
    tile = (tile - tile.min()) / (tile.max() - tile.min()) * 180 + 40
    return np.tile(tile, (12, 12)) + rng.normal(0, 2, (384, 384))


def text_page(seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    page = PILImage.new("L", (512, 384), 255)
    draw = ImageDraw.Draw(page)
    words = [
        "the",
        "cell",
        "nucleus",
        "was",
        "stained",
        "with",
        "DAPI",
        "and",
        "imaged",
        "at",
        "40x",
        "magnification",
    ]
    for line in range(22):
        draw.text(
            (10, 8 + line * 17),
            " ".join(rng.choice(words, 9)),
            fill=0,
            font=ImageFont.load_default(),
        )
    return np.asarray(page, dtype=np.float64)


def gel_with_similar_lanes(seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    gel = np.full((300, 420), 230.0)
    rows = np.arange(300)[:, None]
    for lane in range(10):
        for band, width in ((60, 4), (110, 5), (170, 4), (230, 6)):
            depth = rng.uniform(80, 150)
            gel[:, 20 + lane * 40 : 48 + lane * 40] -= depth * np.exp(
                -((rows - band - rng.normal(0, 1)) ** 2) / (2 * width**2)
            )
    return ndimage.gaussian_filter(gel, 1) + rng.normal(0, 3, gel.shape)


def symmetric_specimen(seed: int = 3) -> np.ndarray:
    """One mirror-symmetric structure (a section, a head, an embryo) on a dark background:
    its left half is its right half flipped, and it is no copy."""
    rng = np.random.default_rng(seed)
    texture = fine_texture(256, seed)
    texture = (texture + texture[:, ::-1]) / 2
    rows, cols = np.mgrid[:256, :256]
    body = ((cols - 127.5) / 100) ** 2 + ((rows - 128) / 115) ** 2 <= 1
    return np.where(body, texture, 20.0) + rng.normal(0, 2, (256, 256))


@pytest.mark.parametrize(
    "make",
    [periodic_pattern, text_page, gel_with_similar_lanes, symmetric_specimen],
    ids=["periodic", "text", "gel", "symmetric"],
)
def test_repetitive_genuine_content_is_not_a_copy(make):
    pixels = np.clip(np.rint(make()), 0, 255).astype(np.uint8)
    for data in (encode(pixels, "PNG"), encode(pixels, "JPEG", quality=80)):
        result = get("copy_move").run_sync(load(data, "genuine.png"))
        assert result.verdict == "clean", result.findings


def test_transforms_compose_with_their_inverse():
    for transform in (
        Transform(1.2 * np.exp(0.6j), 30 + 5j, False),
        Transform(0.7 * np.exp(-2j), -4 + 9j, True),
    ):
        points = np.array([[10.0, 20.0], [300.5, 7.25]])
        back = transform.inverse().apply(transform.apply(points))
        assert np.allclose(back, points)


@pytest.mark.parametrize(
    ("turn", "described"),
    [(0, "copied as is"), (1, r"rotated (8[7-9]|9[0-3]) degrees"), (2, r"rotated 1[78]\d")],
)
def test_a_small_copy_in_a_small_smooth_image_is_found(turn, described):
    """A 48-pixel copy in a 256-pixel image holds too few keypoints at the image's own
    size: it is found once the image is searched at twice its size."""
    base = ndimage.gaussian_filter(fine_texture(256, 0), 1.0)
    base[170:218, 160:208] = np.rot90(base[30:78, 40:88], turn)
    pixels = np.clip(np.rint(base), 0, 255).astype(np.uint8)
    result = get("copy_move").run_sync(load(encode(pixels, "JPEG", quality=90), "small.jpg"))
    assert result.verdict in ("inconclusive", "suspicious"), result.findings
    assert any(re.search(described, mark["label"]) for mark in result.marks), result.marks


def ladder_gel(seed: int = 6) -> np.ndarray:
    """The same ladder run in four lanes, as on a reference gel."""
    rng = np.random.default_rng(seed)
    gel = np.full((320, 480), 25.0)
    rows = np.arange(320)[:, None]
    bands = [(40 + 22 * k + k * k, rng.uniform(60, 180)) for k in range(11)]
    for lane in range(4):
        left = 40 + lane * 115
        for centre, brightness in bands:
            gel[:, left : left + 50] += brightness * np.exp(-((rows - centre) ** 2) / 12.5)
    return ndimage.gaussian_filter(gel, 1.2) + rng.normal(0, 2, gel.shape)


def test_a_ladder_in_every_lane_is_no_copy():
    """Lanes that repeat as a pattern are not reported, not even matched mirrored."""
    pixels = np.clip(np.rint(ladder_gel()), 0, 255).astype(np.uint8)
    for data in (encode(pixels, "PNG"), encode(pixels, "JPEG", quality=85)):
        result = get("copy_move").run_sync(load(data, "ladder.png"))
        assert result.verdict == "clean" and not result.marks, result.findings


def smooth_blot(seed: int = 7) -> np.ndarray:
    """A blurred blot: soft bands on a light background with a faint scanner grain, too
    smooth for keypoints to tell one band from another."""
    rng = np.random.default_rng(seed)
    blot = np.full((192, 192), 215.0)
    rows, cols = np.mgrid[:192, :192]
    for lane in range(4):
        for band in (50, 120):
            depth = rng.uniform(90, 150)
            blot -= depth * np.exp(
                -(((rows - band - rng.normal(0, 3)) / 7) ** 2)
                - (((cols - 28 - lane * 45) / 16) ** 4)
            )
    return ndimage.gaussian_filter(blot, 2) + rng.normal(0, 2.5, blot.shape)


@pytest.mark.parametrize(
    ("operation", "described"),
    [
        (lambda patch: patch, "copied as is"),
        (lambda patch: patch[:, ::-1], "flipped horizontally"),
        (lambda patch: np.rot90(patch, 2), "rotated 180"),
    ],
    ids=["shift", "flip", "rotate180"],
)
def test_a_band_copied_on_a_smooth_blot_is_found_by_its_grain(operation, described):
    blot = smooth_blot()
    blot[150:182, 100:140] = operation(blot[104:136, 10:50])  # a band, pasted below
    pixels = np.clip(np.rint(blot), 0, 255).astype(np.uint8)
    result = get("copy_move").run_sync(load(encode(pixels, "PNG"), "blot.png"))
    assert result.verdict == "suspicious", result.findings
    assert any(described in mark["label"] for mark in result.marks), result.marks
    copies = [row for row in result.findings if row["statistic"].startswith("Copy")]
    assert any("grain correlation peak" in row["unit"] for row in copies), copies


def test_a_smooth_blot_alone_is_clean():
    pixels = np.clip(np.rint(smooth_blot()), 0, 255).astype(np.uint8)
    for data in (encode(pixels, "PNG"), encode(pixels, "JPEG", quality=85)):
        result = get("copy_move").run_sync(load(data, "blot.png"))
        assert result.verdict == "clean" and not result.marks, result.findings
