"""The CFA analysis finds a patch without demosaicing traces in a demosaiced image."""

import numpy as np
from scipy import ndimage

from pycore import get, load
from tests.metrics import pixel_auc
from tests.synthetic import encode


def scene(size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    content = ndimage.gaussian_filter(rng.normal(size=(size, size, 3)), (1.5, 1.5, 0)) * 400
    return np.clip(content + 128 + rng.normal(0, 2, content.shape), 0, 255)


def bilinear_demosaic(rgb: np.ndarray) -> np.ndarray:
    """Sample an RGGB Bayer mosaic from a full-colour scene and interpolate it back."""
    height, width = rgb.shape[:2]
    yy, xx = np.indices((height, width))
    masks = {
        0: (yy % 2 == 0) & (xx % 2 == 0),
        1: (yy + xx) % 2 == 1,
        2: (yy % 2 == 1) & (xx % 2 == 1),
    }
    kernels = {
        0: np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 4.0,
        1: np.array([[0, 1, 0], [1, 4, 1], [0, 1, 0]]) / 4.0,
        2: np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 4.0,
    }
    out = np.empty_like(rgb)
    for channel in range(3):
        sampled = np.where(masks[channel], rgb[:, :, channel], 0.0)
        out[:, :, channel] = ndimage.convolve(sampled, kernels[channel], mode="mirror")
    return out


def test_a_patch_without_demosaicing_traces_is_found():
    image = bilinear_demosaic(scene(256, 1))
    image[64:160, 96:192] = scene(256, 2)[64:160, 96:192]  # full colour: never mosaicked
    truth = np.zeros(image.shape[:2], bool)
    truth[64:160, 96:192] = True
    pixels = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    result = get("cfa").run_sync(load(encode(pixels, "PNG"), "pasted.png"))
    assert pixel_auc(result.maps["missing_trace"].data, truth) > 0.9
    assert result.verdict == "suspicious"


def test_a_demosaiced_image_is_clean():
    pixels = np.clip(np.rint(bilinear_demosaic(scene(256, 3))), 0, 255).astype(np.uint8)
    assert get("cfa").run_sync(load(encode(pixels, "PNG"), "camera.png")).verdict == "clean"


def test_images_without_traces_are_not_judged():
    pixels = np.clip(np.rint(scene(128, 4)), 0, 255).astype(np.uint8)
    result = get("cfa").run_sync(load(encode(pixels, "PNG"), "rendered.png"))
    assert result.verdict is None and "No demosaicing trace" in result.reason
    gray = get("cfa").run_sync(load(encode(pixels[:, :, 0], "PNG"), "gray.png"))
    assert gray.verdict is None
