"""Enhancement views against scikit-image, and the flat-region finder on a known answer."""

import numpy as np
import pytest
from skimage import exposure, filters

from pycore import get, load
from pycore.analyses.enhance import equalize, gradient
from tests.metrics import pixel_auc
from tests.synthetic import encode, textured_rgb


def noisy_scene(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scene = textured_rgb(256, 256, seed=seed).astype(np.float64)
    return np.clip(np.rint(scene + rng.normal(0, 2.0, scene.shape)), 1, 254).astype(np.uint8)


def test_a_band_set_to_a_constant_is_found():
    scene = noisy_scene()
    scene[100:130, 40:200] = (140, 120, 110)  # an "erased band": one flat colour
    truth = np.zeros(scene.shape[:2], bool)
    truth[100:130, 40:200] = True
    result = get("enhance").run_sync(load(encode(scene, "PNG"), "band.png"))
    assert pixel_auc(result.maps["flat_regions"].data, truth) > 0.9
    assert result.verdict == "suspicious"


def test_a_noisy_image_has_no_flat_regions():
    result = get("enhance").run_sync(load(encode(noisy_scene(1), "PNG"), "clean.png"))
    assert result.verdict == "clean" and result.maps["flat_regions"].data.max() == 0


def test_black_background_is_saturation_not_erasure():
    scene = noisy_scene(2)
    scene[:, :120] = 0  # a clipped black background, as in fluorescence images
    result = get("enhance").run_sync(load(encode(scene, "PNG"), "dark.png"))
    assert result.verdict == "clean"
    values = {row["statistic"]: row["value"] for row in result.findings}
    assert values["Flat where the image is flat anyway (not counted)"] > 0.4


def test_16_bit_noise_is_not_flat():
    rng = np.random.default_rng(3)
    deep = np.clip(30000 + rng.normal(0, 6, (128, 128)), 0, 65535).astype(np.uint16)
    result = get("enhance").run_sync(load(encode(deep, "PNG"), "deep.png"))
    assert result.verdict == "clean"


def test_equalization_agrees_with_scikit_image():
    gray = noisy_scene(4)[:, :, 1].astype(np.float64)
    ours = equalize(gray)
    reference = exposure.equalize_hist(gray, nbins=256)
    assert np.abs(ours - reference).max() < 0.01


def test_gradient_agrees_with_scikit_image_up_to_scale():
    gray = noisy_scene(5)[:, :, 0].astype(np.float64)
    ours = gradient(gray)[2:-2, 2:-2].ravel()
    reference = filters.sobel(gray)[2:-2, 2:-2].ravel()
    assert np.corrcoef(ours, reference)[0, 1] > 0.999


@pytest.mark.parametrize("component", [1, 2, 3])
def test_principal_components_of_colour_images(component):
    result = get("enhance").run_sync(
        load(encode(noisy_scene(6), "PNG"), "c.png"), {"component": component}
    )
    projection = result.maps["principal_component"].data
    assert projection.shape == (256, 256) and projection.std() > 0.05
