"""Error level analysis separates content compressed at different qualities."""

import numpy as np
import pytest

from pycore import get, load
from tests.synthetic import decode, encode, textured_rgb


def halves_image() -> bytes:
    """Left half JPEG-saved at quality 50, right half at 95, joined and stored losslessly."""
    scene = textured_rgb(256, 256, seed=1)
    low = decode(encode(scene, "JPEG", quality=50))
    high = decode(encode(scene, "JPEG", quality=95))
    joined = np.concatenate([low[:, :128], high[:, 128:]], axis=1)
    return encode(joined, "PNG")


def test_map_separates_halves_saved_at_different_qualities():
    result = get("ela").run_sync(load(halves_image(), "halves.png"), {"quality": 75})
    error = result.maps["error_level"].data
    left, right = error[:, 8:120].mean(), error[:, 136:248].mean()
    # Content already coarsely quantised (q50) barely changes at q75; q95 content does.
    assert right > 2.5 * left, (left, right)
    # The colour variant shows the same ordering.
    colour = get("ela").run_sync(
        load(halves_image(), "halves.png"), {"quality": 75, "channels": "colour"}
    )
    error = colour.maps["error_level"].data
    assert error[:, 136:248].mean() > error[:, 8:120].mean()


def test_findings_describe_the_error_map():
    image = load(halves_image(), "halves.png")
    result = get("ela").run_sync(image, {"quality": 75, "amplification": 1})
    values = {row["statistic"]: row["value"] for row in result.findings}
    levels = result.maps["error_level"].data * 255  # amplification 1: the map is levels/255
    assert values["Mean error level"] == pytest.approx(levels.mean(), abs=1e-3)
    assert values["Maximum"] == pytest.approx(levels.max(), abs=1e-3)
    assert result.score is None and result.verdict is None


def test_resaving_at_the_files_own_quality_gives_little_error():
    scene = textured_rgb(128, 128, seed=2)
    image = load(encode(scene, "JPEG", quality=80, subsampling=0), "q80.jpg")
    same, finer = (mean_error(image, {"quality": quality}) for quality in (80, 98))
    assert same < 0.5 * finer, (same, finer)


def mean_error(image, params):
    result = get("ela").run_sync(image, params)
    return {row["statistic"]: row["value"] for row in result.findings}["Mean error level"]


@pytest.mark.parametrize("subsampling", [0, 2], ids=["4:4:4", "4:2:0"])
def test_luminance_error_is_robust_to_the_originals_chroma_subsampling(subsampling):
    scene = textured_rgb(256, 256, seed=6)
    low = decode(encode(scene, "JPEG", quality=50, subsampling=subsampling))
    high = decode(encode(scene, "JPEG", quality=95, subsampling=subsampling))
    joined = load(encode(np.concatenate([low[:, :128], high[:, 128:]], axis=1), "PNG"), "j.png")
    error = get("ela").run_sync(joined, {"quality": 75}).maps["error_level"].data
    assert error[:, 136:248].mean() > 2 * error[:, 8:120].mean()


def test_grayscale_images_are_resaved_as_grayscale():
    scene = textured_rgb(64, 64)[:, :, 0]
    result = get("ela").run_sync(load(encode(scene, "PNG"), "g.png"))
    assert result.maps["error_level"].data.shape == (64, 64)


def test_quality_outside_its_range_is_refused():
    with pytest.raises(ValueError, match="quality must be at most 100"):
        get("ela").resolve({"quality": 101})
