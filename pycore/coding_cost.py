"""How surprising an image's fine grain is to a model of real images: the coding-cost gap.

ZED (D. Cozzolino, G. Poggi, M. Niessner and L. Verdoliva, "Zero-Shot Detection of
AI-Generated Images", ECCV 2024): a lossless coder's model of real images predicts each
pixel from the image at half size (models/coding_cost, trained on real micrographs and
photographs only). For a recorded image, coding its pixels costs on average what the model
expects, the entropy of its own predictions; pixels a generator drew follow other
statistics, and the actual cost departs from the expected one. The model never saw a
generated image, so the test does not depend on which generators we happened to have.

Only a higher cost than expected counts as evidence here. A lower one is what smoothing
does, and genuine figures are smoothed all the time: a genuine image enlarged 1.5x costs
about 0.3 nat a pixel less than expected, as much as our own autoencoders' redraws
(models/coding_cost/card.md).
"""

from __future__ import annotations

import numpy as np

from .learned import model_map

MODEL = "coding_cost"
# Output cells of the model (pixels each way).
CELL = 16
# A cell is judged where at least this share of its pixels count: a pixel does not where
# its predicted distribution reaches 0 or 255 (a black or saturated background says
# nothing of how the grain was made).
MIN_COUNTED_SHARE = 0.25


async def gap_cells(gray: np.ndarray) -> np.ndarray:
    """The mean coding-cost gap (nats per pixel, actual less expected) of each CELL x CELL
    cell of ``gray``; NaN where too few of the cell's pixels count."""
    gap, counted_share = await model_map(MODEL, gray, CELL)
    return np.where(counted_share >= MIN_COUNTED_SHARE, gap, np.nan)


def median_gap(cells: np.ndarray, min_cells: int) -> float | None:
    """The image's gap: the median of its judged cells' (None if fewer than
    ``min_cells``). The median, not the mean: a few cells of hard edges or lettering cost
    more than any model of micrographs expects, while a generator's grain fills the
    image."""
    judged = cells[~np.isnan(cells)]
    return float(np.median(judged)) if judged.size >= min_cells else None
