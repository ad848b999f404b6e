"""JPEG quantisation tables: the IJG quality they correspond to, and whether they are IJG's.

Method: the Independent JPEG Group's libjpeg (and libjpeg-turbo, Pillow, ImageJ, most web
tools) scale the example tables of ITU-T T.81 Annex K by a quality factor Q: scale =
5000 / Q below 50, 200 - 2Q from 50, each entry (base * scale + 50) // 100 clamped to
1..255 (jcparam.c, jpeg_set_quality). A file whose tables equal that for some Q was most
likely written by such a library at quality Q; other tables (cameras, Photoshop, mozjpeg)
get the nearest IJG quality as an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# ITU-T T.81 Tables K.1 (luminance) and K.2 (chrominance), natural (row-major) order.
_LUMINANCE = np.array(
    [
        16,
        11,
        10,
        16,
        24,
        40,
        51,
        61,
        12,
        12,
        14,
        19,
        26,
        58,
        60,
        55,
        14,
        13,
        16,
        24,
        40,
        57,
        69,
        56,
        14,
        17,
        22,
        29,
        51,
        87,
        80,
        62,
        18,
        22,
        37,
        56,
        68,
        109,
        103,
        77,
        24,
        35,
        55,
        64,
        81,
        104,
        113,
        92,
        49,
        64,
        78,
        87,
        103,
        121,
        120,
        101,
        72,
        92,
        95,
        98,
        112,
        100,
        103,
        99,
    ]
)
_CHROMINANCE = np.array(
    [
        17,
        18,
        24,
        47,
        99,
        99,
        99,
        99,
        18,
        21,
        26,
        66,
        99,
        99,
        99,
        99,
        24,
        26,
        56,
        99,
        99,
        99,
        99,
        99,
        47,
        66,
        99,
        99,
        99,
        99,
        99,
        99,
        *([99] * 32),
    ]
)


@dataclass(frozen=True)
class QualityEstimate:
    quality: int
    exact: bool  # the tables are IJG's at that quality

    def describe(self) -> str:
        if self.exact:
            return f"IJG libjpeg standard tables at quality {self.quality} (exact match)"
        return (
            f"about quality {self.quality} on the IJG scale; not IJG's standard tables "
            "(another encoder: a camera, Photoshop, mozjpeg or similar)"
        )


def ijg_table(base: np.ndarray, quality: int) -> np.ndarray:
    """The table libjpeg writes for ``quality`` (1..100) from a T.81 example table."""
    quality = min(max(quality, 1), 100)
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return np.clip((base * scale + 50) // 100, 1, 255)


def estimate_quality(tables: dict[int, list[int]]) -> QualityEstimate | None:
    """The IJG quality of a file's tables (0 = luminance, 1 = chrominance if present)."""
    if 0 not in tables:
        return None
    luminance = np.asarray(tables[0])
    chrominance = np.asarray(tables[1]) if 1 in tables else None
    if luminance.size != 64 or luminance.min() <= 0:
        return None  # a damaged table (a step of 0 divides nothing): no quality to name
    best, best_error = 50, np.inf
    for quality in range(1, 101):
        expected = ijg_table(_LUMINANCE, quality)
        if np.array_equal(luminance, expected) and (
            chrominance is None or np.array_equal(chrominance, ijg_table(_CHROMINANCE, quality))
        ):
            return QualityEstimate(quality, exact=True)
        # Distance in the log domain: a step of 2 against 1 counts as much as 100 against 50.
        error = np.abs(np.log(luminance / expected)).mean()
        if error < best_error:
            best, best_error = quality, error
    return QualityEstimate(best, exact=False)


def table_rows(table: list[int]) -> str:
    """A table as eight rows of eight values, for display."""
    return " / ".join(
        " ".join(str(value) for value in table[row * 8 : row * 8 + 8]) for row in range(8)
    )
