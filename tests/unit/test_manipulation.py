"""manipulation: the shipped model (models/manipulation/model.onnx) through pycore, natively.

Genuine images are scikit-image's 2-D sample photographs that are not among the
development data (public domain / CC0), edited here with masks from the same code; none
of them was used to train or calibrate the model.
"""

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw
from scipy import ndimage
from skimage import data as skimage_data

from models.data import as_jpeg, as_png
from models.evaluation import analyse, auc


def sample(name: str) -> np.ndarray:
    return getattr(skimage_data, name)().astype(np.float64)


def ellipse(shape: tuple[int, int]) -> np.ndarray:
    height, width = shape
    canvas = PILImage.new("L", (width, height), 0)
    ImageDraw.Draw(canvas).ellipse([width * 0.3, height * 0.35, width * 0.6, height * 0.6], 255)
    return np.asarray(canvas) > 0


def blurred_inside(gray: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A retouch: the region smoothed, as a blur brush or a clean-up tool leaves it."""
    return np.where(mask, ndimage.gaussian_filter(gray, 2.0), gray)


def test_untouched_photographs_are_mostly_clean():
    names = ("camera", "coins", "brick", "grass", "gravel", "page", "text", "clock")
    results = {name: analyse("manipulation", as_png(sample(name))) for name in names}
    clean = [name for name, result in results.items() if result.verdict == "clean"]
    # The sky of `camera` (flat, no grain) is the one false alarm: a known failure case
    # (models/manipulation/card.md).
    assert len(clean) >= len(names) - 1, results
    assert all(results[name].marks == [] for name in clean)


def stored_as(gray: np.ndarray, stored: str):
    return as_png(gray) if stored == "PNG" else as_jpeg(gray, 90)


@pytest.mark.parametrize("name", ["camera", "coins", "brick"])
@pytest.mark.parametrize("stored", ["PNG", "JPEG 90"])
def test_a_retouched_region_is_found_where_it_is(name, stored):
    gray = sample(name)
    mask = ellipse(gray.shape)
    heat = (
        analyse("manipulation", stored_as(blurred_inside(gray, mask), stored)).maps["edited"].data
    )
    assert heat.shape == gray.shape
    assert auc(heat[~mask], heat[mask]) >= 0.85


@pytest.mark.parametrize("name", ["camera", "coins", "brick"])
def test_a_retouch_raises_the_score_of_a_lossless_image(name):
    # Only for lossless files: after JPEG the image score may be set by another window
    # (models/manipulation/card.md reports how image-level detection falls with JPEG).
    gray = sample(name)
    edited = analyse("manipulation", as_png(blurred_inside(gray, ellipse(gray.shape))))
    assert edited.score > analyse("manipulation", as_png(gray)).score


def test_a_retouch_is_outlined_and_called_suspicious():
    gray = sample("coins")
    mask = ellipse(gray.shape)
    result = analyse("manipulation", as_png(blurred_inside(gray, mask)))
    assert result.verdict == "suspicious", result.score
    left, top, right, bottom = result.marks[0]["box"]
    rows, cols = np.nonzero(mask)
    # The first box overlaps the edited ellipse.
    assert left < cols.max() and right > cols.min() and top < rows.max() and bottom > rows.min()


def test_too_small_an_image_is_not_judged():
    result = analyse("manipulation", as_png(sample("coins")[:10, :12]))
    assert result.score is None
