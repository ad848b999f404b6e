"""The spectrum analysis finds the periodic trace of up-sampling, and none in noise."""

import numpy as np
import pytest

from pycore import get, load
from tests.synthetic import encode


def sensor_like(size: int, seed: int) -> np.ndarray:
    """Smooth content plus white sensor noise: a featureless residual spectrum."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    content = 120 + 40 * np.sin(xx / 37.0) * np.cos(yy / 23.0)
    return np.clip(np.rint(content + rng.normal(0, 4, (size, size))), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("factor", [2, 4])
def test_nearest_neighbour_upsampling_gives_peaks_at_its_period(factor):
    small = sensor_like(512 // factor, seed=factor)
    large = np.repeat(np.repeat(small, factor, axis=0), factor, axis=1)
    result = get("spectrum").run_sync(load(encode(large, "PNG"), "up.png"))
    assert result.verdict == "suspicious", result.findings
    size = result.maps["spectrum"].data.shape[0]
    centre, step = size // 2, size // factor

    def near(x, y, ex, ey):  # within a bin, on the circular frequency axes
        return all(min(abs(a - b) % size, -abs(a - b) % size) <= 1 for a, b in ((x, ex), (y, ey)))

    # Peaks at the up-sampling period along both axes (mirror images count as the same).
    for ex, ey in ((centre + step, centre), (centre, centre + step)):
        mirrored = ((2 * centre - ex) % size, (2 * centre - ey) % size)
        assert any(
            near(m["x"], m["y"], *target)
            for m in result.marks
            for target in ((ex % size, ey % size), mirrored)
        ), (result.marks, ex, ey)


def test_plain_sensor_noise_has_no_peaks():
    result = get("spectrum").run_sync(load(encode(sensor_like(512, 7), "PNG"), "n.png"))
    assert result.verdict == "clean" and result.marks == []


def test_jpeg_grid_frequencies_are_set_aside_for_jpeg_files():
    data = encode(sensor_like(512, 8), "JPEG", quality=30)
    as_jpeg = get("spectrum").run_sync(load(data, "q60.jpg"))
    as_png = get("spectrum").run_sync(load(encode(load(data).rgb8(), "PNG"), "q60.png"))
    assert len(as_png.marks) > len(as_jpeg.marks)
    assert as_jpeg.verdict is None and "cannot be assessed" in as_jpeg.reason


def test_spectrum_is_a_plot_with_its_own_axes():
    result = get("spectrum").run_sync(load(encode(sensor_like(300, 9), "PNG"), "s.png"))
    assert result.maps["spectrum"].kind == "plot"
    assert result.maps["spectrum"].data.shape == (256, 256)  # largest power of two that fits
    assert result.to_json()["plots"] == {"spectrum": None, "radial_profile": None}
