"""pycore.unenlarge: an interpolated enlargement undone by least squares.

Images are scikit-image's sample photographs (not among the development data), enlarged
with Pillow's kernels as models.data.resize does (in floating point), then rounded to 8
bits.
"""

import numpy as np
import pytest
from PIL import Image as PILImage
from skimage import data as skimage_data

from models.data import resize
from pycore.unenlarge import (
    KERNELS,
    MIN_NEW_PIXELS,
    UNDERSTOOD_FROM,
    enlargement_operator,
    find_grid,
    undo_enlargement,
)

PHOTOS = ("camera", "coins", "brick", "grass")
PILLOW = {"bicubic": PILImage.BICUBIC, "bilinear": PILImage.BILINEAR, "Lanczos": PILImage.LANCZOS}
# Rounding the enlargement to 8 bits leaves about 0.29 levels RMS of noise, which the
# inverse passes on (more where the kernel smooths most).
GIVEN_BACK_WITHIN = 0.45


def photo(name: str, rows: int = 240, columns: int = 280) -> np.ndarray:
    return getattr(skimage_data, name)().astype(np.float32)[:rows, :columns]


def enlarged(gray: np.ndarray, factor: float, kernel: str) -> np.ndarray:
    return np.round(resize(gray, factor, PILLOW[kernel]))


def rms(difference: np.ndarray, margin: int = 6) -> float:
    """Away from the edges, where old pixels are seen by fewer new ones (and Pillow
    weighs the edge's new pixels differently)."""
    return float(np.sqrt(np.mean(np.square(difference[margin:-margin, margin:-margin]))))


@pytest.mark.parametrize("kernel", PILLOW)
def test_the_operator_is_pillows_enlargement_away_from_the_edges(kernel):
    old, new = 50, 75
    impulses = np.eye(old, dtype=np.float32)
    # Each row of the identity enlarged alone: row k is old pixel k's weights.
    pillow = np.asarray(PILImage.fromarray(impulses, "F").resize((new, old), PILLOW[kernel]))
    operator, first = enlargement_operator(new, old / new, 0.0, kernel)
    ours = operator.toarray()[:, -first : -first + old]
    np.testing.assert_allclose(ours[6:-6], pillow.T[6:-6], atol=1e-6)


UNDONE = (
    [("bicubic", factor) for factor in (1.25, 1.5, 1.75)]
    + [("Lanczos", factor) for factor in (1.25, 1.5, 1.75, 2.0)]
    + [("bilinear", 1.5)]
)
LEFT = {
    # At 2x bilinear and Keys' cubic enlargements span the same images: which old pixels
    # they came from cannot be told.
    ("bicubic", 2.0): "tied",
    ("bilinear", 2.0): "tied",
    # Bilinear's inverse passes the rounding on to some old pixels more than to others,
    # along the grid: a periodic grain of its own (the detectors' very evidence).
    ("bilinear", 1.25): "uneven noise",
    ("bilinear", 1.75): "uneven noise",
}


@pytest.mark.parametrize(("kernel", "factor"), UNDONE)
def test_the_old_pixels_are_given_back(kernel, factor):
    for name in PHOTOS:
        gray = photo(name)
        undone = undo_enlargement(enlarged(gray, factor, kernel), factor)
        assert undone is not None, name
        assert undone.kernel == kernel
        assert undone.gray.shape == gray.shape
        assert all(abs(1 / grid.scale - factor) < 1e-3 for grid in undone.grids)
        assert rms(undone.gray - gray) < GIVEN_BACK_WITHIN, name


@pytest.mark.parametrize(("kernel", "factor"), LEFT)
def test_an_enlargement_whose_inverse_is_ambiguous_or_grainy_is_left(kernel, factor):
    for name in PHOTOS:
        assert undo_enlargement(enlarged(photo(name), factor, kernel), factor) is None, name


@pytest.mark.parametrize("factor", [1.5, 2.0, 1.3])
def test_a_crop_of_an_enlargement_is_undone_from_where_its_grid_starts(factor):
    gray = photo("camera", 300, 320)
    top, left = 7, 4
    undone = undo_enlargement(enlarged(gray, factor, "Lanczos")[top:, left:], factor)
    assert undone is not None
    # The first old pixel kept is the first whose centre lies within the crop's extent,
    # which starts at old coordinate (top / factor) - 1/2.
    first_row, first_column = (int(np.ceil(start / factor - 0.5)) for start in (top, left))
    rows, columns = undone.gray.shape
    original = gray[first_row : first_row + rows, first_column : first_column + columns]
    assert original.shape == undone.gray.shape
    assert rms(undone.gray - original) < GIVEN_BACK_WITHIN


@pytest.mark.parametrize("factor", [1.2, 1.5, 2.0])
def test_an_image_not_enlarged_is_not_taken_for_one(factor):
    for name in PHOTOS:
        gray = photo(name, 300, 320)
        assert undo_enlargement(gray, factor) is None, name
        assert all(find_grid(gray, axis, factor).contrast < UNDERSTOOD_FROM for axis in (0, 1))


def test_a_smooth_image_does_not_show_its_kernel():
    # Blurred, it holds too little fine detail for the kernels' fits to differ, and the
    # wrong kernel's inverse would leave an error that repeats with the grid.
    gray = photo("camera")
    smooth = np.asarray(PILImage.fromarray(gray, "F").reduce(4).resize(gray.shape[::-1]))
    assert undo_enlargement(enlarged(smooth, 1.5, "Lanczos"), 1.5) is None


def test_clipped_overshoot_is_not_fitted():
    # Black text on white: the cubic's overshoot past 0 and 255 is clipped, which is not
    # linear; fitted anyway, it read as bilinear and came back 12 levels off.
    text = np.where(photo("text") > 120, 255.0, 0.0).astype(np.float32)
    assert undo_enlargement(enlarged(text, 1.5, "bicubic"), 1.5) is None
    # The same drawing in levels the overshoot does not reach is given back.
    drawn = np.where(text > 0, 215.0, 40.0).astype(np.float32)
    undone = undo_enlargement(enlarged(drawn, 1.5, "bicubic"), 1.5)
    assert undone is not None and undone.kernel == "bicubic"
    assert rms(undone.gray - drawn) < GIVEN_BACK_WITHIN


def test_an_axis_too_short_to_locate_its_grid_is_left():
    gray = enlarged(photo("camera", 100, 280), 1.5, "bicubic")
    assert gray.shape[0] < MIN_NEW_PIXELS
    assert undo_enlargement(gray, 1.5) is None


def test_every_kernel_is_found_by_its_own_enlargement():
    gray = photo("brick")
    for kernel in KERNELS:
        operator, first = enlargement_operator(360, 240 / 360, 0.0, kernel)
        columns = operator.toarray()
        # Old pixels past the edges repeat the edge ones, as editors extend an image.
        edge = np.clip(np.arange(columns.shape[1]) + first, 0, gray.shape[0] - 1)
        rows = np.zeros((360, gray.shape[0]))
        np.add.at(rows.T, edge, columns.T)
        enlargement = np.round(rows @ gray[:, :200])
        residues = find_grid(enlargement, 0, 1.5).residues
        assert min(residues, key=residues.get) == kernel
