"""pycore.enlargement: telling a 2x enlargement from a recorded image, and undoing it.

Images are scikit-image's sample photographs (not among the development data), enlarged
with Pillow's kernels; the held-out real images are measured in models/ai_generated/card.md.
"""

import numpy as np
import pytest
from PIL import Image as PILImage
from skimage import data as skimage_data

from models.data import as_jpeg, as_png, resize
from pycore.enlargement import native_resolution

SAMPLES = ("camera", "coins", "brick", "grass", "gravel", "page", "text", "clock")


def sample(name: str) -> np.ndarray:
    return getattr(skimage_data, name)().astype(np.float32)


def stored(gray: np.ndarray) -> np.ndarray:
    """As pycore reads it back from an 8-bit PNG."""
    return as_png(gray).gray()


NOT_ENLARGED = {
    "as recorded": lambda gray: gray,
    "JPEG 90": lambda gray: as_jpeg(gray, 90).gray(),
    "JPEG 75": lambda gray: as_jpeg(gray, 75).gray(),
    "shrunk 0.5x": lambda gray: resize(gray, 0.5),
    "enlarged 1.5x": lambda gray: resize(gray, 1.5),
}
ENLARGED = {
    "bicubic": lambda gray: resize(gray, 2.0),
    "bilinear": lambda gray: resize(gray, 2.0, PILImage.BILINEAR),
    "nearest": lambda gray: resize(gray, 2.0, PILImage.NEAREST),
    # Cropped by an odd number of pixels: the pairs made from one old pixel start at 1.
    "bicubic, cropped": lambda gray: resize(gray, 2.0)[1:, 3:],
}


@pytest.mark.parametrize("change", NOT_ENLARGED)
def test_images_not_enlarged_2x_are_kept_as_they_are(change):
    for name in SAMPLES:
        gray = stored(NOT_ENLARGED[change](sample(name)))
        native = native_resolution(gray)
        assert native.factor == 1, name
        assert native.gray is gray


@pytest.mark.parametrize("kernel", ENLARGED)
def test_a_2x_enlargement_is_halved_back(kernel):
    for name in SAMPLES:
        original = sample(name)
        working, factor, alternation = native_resolution(stored(ENLARGED[kernel](original)))
        assert factor == 2, name
        assert alternation >= 0.05, name
        # Back on the old pixels (the crop of 1 and 3 enlarged pixels drops 1 and 2 old
        # ones): the same image, away from the edges; nearest neighbour's exactly.
        top, left = (1, 2) if "cropped" in kernel else (0, 0)
        expected = original[top : top + working.shape[0], left : left + working.shape[1]]
        inner = (slice(4, -4), slice(4, -4))
        if kernel == "nearest":
            assert np.array_equal(working[inner], expected[inner]), name
        else:
            agreement = np.corrcoef(working[inner].ravel(), expected[inner].ravel())[0, 1]
            assert agreement > 0.98, (name, agreement)


def test_too_small_an_image_is_never_halved():
    gray = stored(resize(sample("camera")[:100, :100], 2.0))
    assert native_resolution(gray).factor == 1


def test_most_lanczos_enlargements_are_found_by_their_weak_alternation():
    # Lanczos, nearly ideal, alternates little (0.03-0.2 of the mean step here): found
    # where that stands far above the block period's other components, which for 'page'
    # and 'text' it does not (models/ai_generated/card.md: 89% of the held-out images).
    found = [
        native_resolution(stored(resize(sample(name), 2.0, PILImage.LANCZOS))).factor == 2
        for name in SAMPLES
    ]
    assert sum(found) >= 6, dict(zip(SAMPLES, found, strict=True))
