"""JPEG ghosts reveal a region compressed at a lower quality than the rest."""

import numpy as np

from pycore import get, load
from tests.metrics import pixel_auc
from tests.synthetic import decode, encode, textured_rgb


def noisy_scene(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scene = textured_rgb(256, 256, seed=seed).astype(np.float64)
    return np.clip(np.rint(scene + rng.normal(0, 3, scene.shape)), 0, 255).astype(np.uint8)


def test_a_region_saved_at_quality_60_shows_a_ghost_in_a_quality_90_image():
    scene = noisy_scene(1)
    donor = decode(encode(noisy_scene(2), "JPEG", quality=60))
    scene[64:192, 96:224] = donor[64:192, 96:224]  # aligned with the 8x8 grid
    truth = np.zeros(scene.shape[:2], bool)
    truth[64:192, 96:224] = True
    result = get("jpeg_ghost").run_sync(load(encode(scene, "JPEG", quality=90), "pasted.jpg"))
    assert pixel_auc(result.maps["ghost"].data, truth) > 0.9
    assert result.verdict == "suspicious"
    found = {row["statistic"]: row["value"] for row in result.findings}
    assert abs(found["Quality of the largest ghost"] - 60) <= 5


def test_an_image_compressed_once_has_no_ghost():
    result = get("jpeg_ghost").run_sync(load(encode(noisy_scene(3), "JPEG", quality=85), "a.jpg"))
    assert result.verdict == "clean"
