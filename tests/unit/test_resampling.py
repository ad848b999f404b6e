"""The resampling analysis finds a region resized by 1.3x, and stays quiet on a clean image."""

import numpy as np
import pytest
from scipy import ndimage

from pycore import get, load
from tests.metrics import pixel_auc
from tests.synthetic import encode


def camera_like(size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    content = ndimage.gaussian_filter(rng.normal(size=(size, size)), 3) * 300 + 128
    return content + rng.normal(0, 3, (size, size))


@pytest.mark.parametrize("factor", [1.3, 2.0])
def test_a_resized_region_is_found(factor):
    scene = camera_like(384, seed=1)
    source = camera_like(300, seed=2)
    resized = ndimage.zoom(source, factor, order=1)[:128, :128]  # bilinear interpolation
    scene[128:256, 128:256] = resized
    truth = np.zeros(scene.shape, bool)
    truth[128:256, 128:256] = True
    pixels = np.clip(np.rint(scene), 0, 255).astype(np.uint8)
    result = get("resampling").run_sync(load(encode(pixels, "PNG"), "pasted.png"))
    assert pixel_auc(result.maps["periodicity"].data, truth) > 0.9
    # Enlarging by 2 leaves a strong trace; 1.3x a weaker one that still stands out.
    assert result.verdict == "suspicious" if factor == 2.0 else result.verdict != "clean"


def test_a_camera_like_image_is_clean():
    pixels = np.clip(np.rint(camera_like(384, seed=3)), 0, 255).astype(np.uint8)
    result = get("resampling").run_sync(load(encode(pixels, "PNG"), "clean.png"))
    assert result.verdict == "clean"
