"""Maps: values sanitised into [0, 1], and the 8-bit levels kept alone give the same levels."""

import numpy as np

from pycore.result import Map


def test_values_are_clipped_and_not_a_number_is_zero():
    layer = Map(np.array([[np.nan, -1.0, 0.5], [2.0, np.inf, 0.25]]))
    assert layer.data.dtype == np.float32
    np.testing.assert_array_equal(layer.data, [[0, 0, 0.5], [1, 1, 0.25]])
    np.testing.assert_array_equal(layer.to_uint8(), [[0, 0, 128], [255, 255, 64]])


def test_keeping_the_levels_only_keeps_what_is_shown():
    values = np.random.default_rng(0).random((600, 70))  # more rows than one strip
    layer = Map(values)
    levels = layer.to_uint8().copy()
    layer.keep_levels_only()
    np.testing.assert_array_equal(layer.to_uint8(), levels)
    assert layer.to_uint8().nbytes == values.size  # a byte per pixel
    np.testing.assert_allclose(layer.data, values, atol=0.5 / 255 + 1e-7)


def test_a_large_overlay_is_kept_reduced_and_says_so():
    layer = Map(np.linspace(0, 1, 100 * 60).reshape(100, 60), legend="error")
    layer.keep_levels_only(max_pixels=1000)
    assert layer.to_uint8().shape == (33, 20)  # reduced 3x: 100 x 60 is 6000 pixels
    assert layer.legend == "error (kept at 1/3 of the image's resolution)"
    small = Map(np.zeros((10, 10)), legend="plain")
    small.keep_levels_only(max_pixels=1000)
    assert small.to_uint8().shape == (10, 10) and small.legend == "plain"
