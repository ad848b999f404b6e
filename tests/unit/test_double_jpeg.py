"""Double JPEG: a region compressed once inside an image saved twice is found."""

import numpy as np
from scipy import ndimage

from pycore import get, load
from pycore.analyses.double_jpeg import block_coefficients
from pycore.jpeg import luma_plane, luma_quantization
from tests.metrics import pixel_auc
from tests.synthetic import decode, encode


def camera_like(size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    content = ndimage.gaussian_filter(rng.normal(size=(size, size, 3)), (2, 2, 0)) * 300 + 128
    return np.clip(np.rint(content + rng.normal(0, 3, content.shape)), 0, 255).astype(np.uint8)


def test_coefficients_are_recovered_from_the_decoded_luma():
    data = encode(camera_like(128, 1), "JPEG", quality=80)
    # Re-encoding the recovered coefficients' pixels reproduces them: they are integers
    # on the quantisation grid, and a second pass changes (almost) none of them.
    first = block_coefficients(luma_plane(data).astype(float), luma_quantization(data))
    again = encode(
        np.repeat(luma_plane(data)[:, :, None], 3, axis=2), "JPEG", quality=80, subsampling=0
    )
    second = block_coefficients(luma_plane(again).astype(float), luma_quantization(again))
    assert np.mean(first == second) > 0.97


def test_a_region_compressed_once_is_found_in_a_double_compressed_image():
    first = decode(encode(camera_like(384, 2), "JPEG", quality=60)).copy()
    first[128:256, 136:264] = camera_like(128, 3)  # pasted from a source never compressed
    truth = np.zeros(first.shape[:2], bool)
    truth[128:256, 136:264] = True
    result = get("double_jpeg").run_sync(load(encode(first, "JPEG", quality=90), "forged.jpg"))
    assert pixel_auc(result.maps["single_compressed"].data, truth) > 0.9
    assert result.verdict == "suspicious"


def test_an_image_saved_twice_without_edits_is_clean():
    twice = encode(decode(encode(camera_like(384, 4), "JPEG", quality=60)), "JPEG", quality=90)
    assert get("double_jpeg").run_sync(load(twice, "twice.jpg")).verdict == "clean"


def test_single_compression_and_other_formats_give_no_verdict():
    once = get("double_jpeg").run_sync(
        load(encode(camera_like(256, 5), "JPEG", quality=90), "a.jpg")
    )
    assert once.verdict is None and "No double-compression pattern" in once.reason
    png = get("double_jpeg").run_sync(load(encode(camera_like(64, 6), "PNG"), "a.png"))
    assert png.verdict is None and "Not a JPEG" in png.reason
