"""The noise analysis finds a region with different noise, and measures sigma correctly."""

import numpy as np
import pytest
from skimage.restoration import estimate_sigma

from pycore import get, load
from pycore.analyses.noise import block_noise_sigma, pca_noise_sigma, wavelet_noise_sigma
from tests.metrics import pixel_auc
from tests.synthetic import encode, textured_rgb


def test_noise_map_separates_a_noisier_region():
    scene = textured_rgb(256, 256, seed=4).astype(np.float64)
    rng = np.random.default_rng(5)
    scene[64:192, 64:192] += rng.normal(0, 8, size=(128, 128, 3))
    image = load(encode(np.clip(np.rint(scene), 0, 255).astype(np.uint8), "PNG"), "n.png")
    result = get("noise").run_sync(image)
    level = result.maps["noise_level"].data[::32, ::32]  # one value per block, 0.5 = typical
    inside, outside = level[2:6, 2:6], np.concatenate([level[:2].ravel(), level[6:].ravel()])
    assert inside.min() > 0.99 and outside.max() < 0.6, (inside.min(), outside.max())
    sigma = block_noise_sigma(image.gray(), 32)
    # Independent noise of sigma 8 per channel has sigma 8 * |BT.601 weights| in luma.
    luma_sigma = 8.0 * float(np.linalg.norm([0.299, 0.587, 0.114]))
    assert np.median(sigma[2:6, 2:6]) == pytest.approx(luma_sigma, rel=0.1)
    assert sigma[:2].max() < 2.0
    residual = result.maps["residual"].data
    assert residual[64:192, 64:192].mean() > 3 * residual[:48].mean()


@pytest.mark.parametrize("estimator", [block_noise_sigma, wavelet_noise_sigma, pca_noise_sigma])
@pytest.mark.parametrize("sigma", [2.0, 5.0, 12.0])
def test_block_sigma_agrees_with_scikit_image_on_pure_noise(estimator, sigma):
    rng = np.random.default_rng(int(sigma))
    noisy = 128 + rng.normal(0, sigma, size=(512, 512))
    ours = float(np.median(estimator(noisy, 32)))
    reference = float(estimate_sigma(noisy))  # wavelet MAD estimator (Donoho & Johnstone)
    assert ours == pytest.approx(sigma, rel=0.05)
    assert ours == pytest.approx(reference, rel=0.05)


@pytest.mark.parametrize("name", ["noise_level", "wavelet_level", "pca_level"])
def test_every_estimator_maps_a_spliced_noisier_region(name):
    scene = textured_rgb(256, 256, seed=9).astype(np.float64)
    rng = np.random.default_rng(10)
    scene += rng.normal(0, 1.5, scene.shape)
    scene[64:160, 96:224] += rng.normal(0, 6, (96, 128, 3))
    truth = np.zeros((256, 256), bool)
    truth[64:160, 96:224] = True
    image = load(encode(np.clip(np.rint(scene), 0, 255).astype(np.uint8), "PNG"), "s.png")
    result = get("noise").run_sync(image)
    assert pixel_auc(result.maps[name].data, truth) > 0.9


def test_block_sigma_ignores_smooth_gradients():
    yy, xx = np.mgrid[:256, :256].astype(np.float32)
    ramp = 0.3 * xx + 0.2 * yy  # a plane: no noise at all
    assert block_noise_sigma(ramp, 32).max() < 1e-3


def test_block_grid_covers_partial_blocks():
    assert block_noise_sigma(np.zeros((70, 33), np.float32), 32).shape == (3, 2)


def test_noise_level_map_stays_over_the_blocks_it_measured():
    # 300 px wide with 128-px blocks: the third block column is only 44 px wide. A noisy
    # stripe from x = 256 must show there, not stretched to x = 200.
    rng = np.random.default_rng(8)
    scene = np.full((128, 300), 128.0)
    scene[:, 256:] += rng.normal(0, 10, size=(128, 44))
    image = load(encode(np.clip(np.rint(scene), 0, 255).astype(np.uint8), "PNG"), "s.png")
    level = get("noise").run_sync(image, {"block_size": 128}).maps["noise_level"].data
    assert level.shape == (128, 300)
    assert level[:, 256:].min() == 1.0 and level[:, :256].max() < 0.5


def test_median_size_must_be_odd():
    with pytest.raises(ValueError, match="multiple of 2"):
        get("noise").resolve({"median_size": 4})
