"""The JPEG grid analysis finds a region whose 8x8 grid is shifted or missing."""

import numpy as np
import pytest
from scipy import ndimage

from pycore import get, load
from tests.metrics import pixel_auc
from tests.synthetic import decode, encode


def camera_like(size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    content = ndimage.gaussian_filter(rng.normal(size=(size, size, 3)), (2, 2, 0)) * 250 + 128
    return np.clip(np.rint(content + rng.normal(0, 2, content.shape)), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("paste", ["shifted grid", "no grid"])
def test_a_pasted_region_off_the_grid_is_found(paste):
    scene = decode(encode(camera_like(384, 1), "JPEG", quality=75)).copy()
    if paste == "shifted grid":  # from another JPEG, placed 3 and 5 pixels off its grid
        patch = decode(encode(camera_like(384, 2), "JPEG", quality=75))[3:131, 5:133]
    else:  # from an image never compressed
        patch = camera_like(128, 3)
    scene[128:256, 128:256] = patch
    truth = np.zeros(scene.shape[:2], bool)
    truth[128:256, 128:256] = True
    result = get("jpeg_grid").run_sync(load(encode(scene, "PNG"), "composite.png"))
    if paste == "shifted grid":
        assert pixel_auc(result.maps["grid_mismatch"].data, truth) > 0.9
        assert result.verdict == "suspicious"
    else:  # an absent grid is weaker evidence: the map ranks it, the verdict does not
        assert pixel_auc(result.maps["grid_mismatch"].data, truth) > 0.8


def test_a_single_jpeg_has_a_consistent_grid():
    data = encode(camera_like(384, 4), "JPEG", quality=80)
    assert get("jpeg_grid").run_sync(load(data, "a.jpg")).verdict == "clean"


def test_an_image_never_compressed_has_no_grid_to_check():
    result = get("jpeg_grid").run_sync(load(encode(camera_like(256, 5), "PNG"), "raw.png"))
    assert result.verdict is None and "No JPEG block grid" in result.reason
