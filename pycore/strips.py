"""Whole-image computations a strip of rows at a time.

On a 50-megapixel image each float64 copy of the whole image takes 400 MB, and the
browser's worker has at most 4 GB; element-wise work done a strip at a time needs only the
strip's temporaries, and gives the same bits as done at once.
"""

from __future__ import annotations

from collections.abc import Iterator

STRIP_ROWS = 256


def row_strips(height: int, rows: int = STRIP_ROWS) -> Iterator[slice]:
    """Consecutive slices of ``rows`` rows (the last one shorter) covering ``height``."""
    for top in range(0, height, rows):
        yield slice(top, min(top + rows, height))
