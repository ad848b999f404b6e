"""Exact copies found by their grain: every dihedral map, at its true offset."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from pycore import exact_copies, regions

OPERATIONS = {
    "shift": lambda patch: patch,
    "rotate90": lambda patch: np.rot90(patch, 1),
    "rotate180": lambda patch: np.rot90(patch, 2),
    "rotate270": lambda patch: np.rot90(patch, 3),
    "flip-left-right": lambda patch: patch[:, ::-1],
    "flip-up-down": lambda patch: patch[::-1],
    "transpose": lambda patch: patch.T,
    "anti-transpose": lambda patch: np.rot90(patch, 2).T,
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_each_dihedral_copy_is_found_where_it_is(operation):
    rng = np.random.default_rng(4)
    # Smooth content (no keypoint would hold) with a faint grain, as on a scanned blot.
    image = ndimage.gaussian_filter(rng.normal(0.5, 0.2, (180, 220)), 6) + rng.normal(
        0, 0.01, (180, 220)
    )
    image[110:150, 140:180] = OPERATIONS[operation](image[20:60, 30:70])
    found = exact_copies.find(regions.grain(image), min_shift=10)
    assert found, operation
    best = found[0]
    # The best transform takes the source square's centre onto the target square's
    # (either way round: a copy is also its source's copy).
    centres = np.array([[49.5, 39.5], [159.5, 129.5]])
    moved = best.transform.apply(centres)
    assert np.allclose(moved[0], centres[1], atol=0.6) or np.allclose(
        moved[1], centres[0], atol=0.6
    ), (operation, best.transform)
    assert best.peak > 8 and len(best.seeds) > 800, (best.peak, len(best.seeds))


def test_unrelated_grain_has_no_peak():
    rng = np.random.default_rng(5)
    image = ndimage.gaussian_filter(rng.normal(0.5, 0.2, (200, 200)), 4) + rng.normal(
        0, 0.01, (200, 200)
    )
    assert exact_copies.find(regions.grain(image), min_shift=10) == []
