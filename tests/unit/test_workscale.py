"""Large images searched at a stated reduction: the copy is still found, and shown where it
is in the full image."""

from __future__ import annotations

import numpy as np

from pycore import get, load, workscale
from tests.synthetic import encode, fine_texture


def test_the_reduction_is_the_smallest_whole_factor_under_the_budget():
    def image(height: int, width: int):
        return load(encode(np.zeros((height, width), np.uint8), "PNG"), "blank.png")

    assert workscale.reduction_for(image(2048, 2048)) == 1
    assert workscale.reduction_for(image(2049, 2048)) == 2
    assert workscale.reduction_for(image(7072, 7072)) == 4


def test_reduced_pixels_are_block_means_of_the_same_type():
    pixels = np.arange(5 * 7, dtype=np.uint8).reshape(5, 7)
    reduced = workscale.reduced(load(encode(pixels, "PNG"), "ramp.png"), 2)
    assert reduced.pixels.dtype == np.uint8
    assert reduced.pixels.shape == (2, 3, 1)
    assert reduced.pixels[1, 2, 0] == np.rint(pixels[2:4, 4:6].mean())


def test_a_copy_in_a_large_image_is_found_at_its_full_size_place():
    side = 2304  # 5.3 megapixels: searched at 1/2
    texture = np.clip(fine_texture(side, seed=4), 0, 255).astype(np.uint8)
    texture[400:700, 500:800] = texture[1500:1800, 1600:1900]
    result = get("copy_move").run_sync(load(encode(texture, "PNG"), "large.png"))
    assert result.verdict == "suspicious"
    assert "searched at 1/2 of its size" in result.reason
    assert {"statistic": "Searched at a reduction of", "value": 2.0, "unit": "x"} in (
        result.findings
    )
    (mark,) = result.marks
    boxes = {
        key: (np.min(mark[key], axis=0), np.max(mark[key], axis=0)) for key in ("source", "target")
    }
    # Both outlines where the copies are in the full image (to within a reduced pixel or
    # two at their edges), whichever way round they were found.
    found = sorted((tuple(low), tuple(high)) for low, high in boxes.values())
    expected = [((500, 400), (800, 700)), ((1600, 1500), (1900, 1800))]
    np.testing.assert_allclose(np.array(found), np.array(expected), atol=12)
    assert result.maps["copied"].data.shape == (side // 2, side // 2)
