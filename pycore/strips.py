"""Whole-image computations a strip of rows at a time.

On a 50-megapixel image each float64 copy of the whole image takes 400 MB, and the
browser's worker has at most 4 GB; element-wise work done a strip at a time needs only the
strip's temporaries, and gives the same bits as done at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

STRIP_ROWS = 256


def row_strips(height: int, rows: int = STRIP_ROWS) -> Iterator[slice]:
    """Consecutive slices of ``rows`` rows (the last one shorter) covering ``height``."""
    for top in range(0, height, rows):
        yield slice(top, min(top + rows, height))


def block_strip_rows(block: int) -> int:
    """Rows per strip for work in ``block`` x ``block`` blocks: whole blocks, about
    STRIP_ROWS rows."""
    return block * max(1, STRIP_ROWS // block)


def halo_strips(
    height: int, halo: int, rows: int = STRIP_ROWS, cover: int | None = None
) -> Iterator[tuple[slice, ...]]:
    """For a filter reaching ``halo`` rows out: (the strip's rows, those rows with up to
    ``halo`` rows of context either side, where the strip lies within that context).
    Filtering the context and keeping the strip gives what filtering the whole image
    does, the image's own edges included. The strips cover the first ``cover`` rows (all
    ``height`` by default); their context may reach past them."""
    for strip in row_strips(height if cover is None else cover, rows):
        start, stop = max(strip.start - halo, 0), min(strip.stop + halo, height)
        yield strip, slice(start, stop), slice(strip.start - start, strip.stop - start)


def strip_map(
    function: Callable[[np.ndarray], np.ndarray],
    values: np.ndarray,
    dtype: type | np.dtype,
    halo: int = 0,
) -> np.ndarray:
    """``function(values)`` made a strip of rows at a time into one new array of ``dtype``
    and ``values``' shape. For an element-wise ``function``, or a filter reaching at most
    ``halo`` rows out (each strip is given that context), the values are those of the whole
    image at once, without its full-size temporaries."""
    out = np.empty(values.shape, dtype)
    for rows, context, inner in halo_strips(values.shape[0], halo):
        out[rows] = function(values[context])[inner]
    return out
