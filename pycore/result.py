"""What an analysis returns: the one shape the CLI, the page and the reports all read."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import ndimage, special

from .blocks import block_means
from .colormaps import COLORMAPS
from .strips import strip_map

Verdict = Literal["clean", "inconclusive", "suspicious"]
VERDICTS: tuple[str, ...] = ("clean", "inconclusive", "suspicious")
# One meaning of the score for every analysis: below 0.35 clean, from 0.65 suspicious, and
# inconclusive between. Each analysis calibrates its own statistic onto this scale.
INCONCLUSIVE_FROM = 0.35
SUSPICIOUS_FROM = 0.65
# The decision threshold, half-way between the bands: a learned detector's score from here
# on calls the image generated or edited (the models' validations count these).
DECIDED_FROM = 0.5
# For analyses that localise a region (ghosts, missing traces, shifted grids): the share of
# the image in the largest such region taken as clean and as suspicious. Set so that at most
# about 1% of the whole real images in ../shared/data/real are called suspicious by any of
# them (bench/classical.py measures it).
REGION_CLEAN = 0.01
REGION_SUSPICIOUS = 0.03


# 4096x4096: maps larger than this (pixels) are kept as 8-bit levels from the start, and
# reduced under it where the page's worker keeps them (Map.keep_levels_only).
MAP_PIXELS = 4096 * 4096


class Map:
    """A 2-D map in [0, 1] (1 = most suspicious, or brightest for visual aids).

    An ``overlay`` covers the whole image and is drawn over it; it may be coarser than
    the image, and is then stretched evenly to the image's size when drawn or written out
    (use :func:`expand_blocks` for block maps whose last blocks overhang the edge). A
    ``plot`` (a spectrum, say) has axes of its own and is shown beside the image.
    """

    def __init__(
        self,
        data: np.ndarray,
        colormap: str = "inferno",
        legend: str = "",
        kind: Literal["overlay", "plot"] = "overlay",
    ) -> None:
        if kind not in ("overlay", "plot"):
            raise ValueError(f"a map is an overlay or a plot, not {kind!r}")
        if data.ndim != 2:
            raise ValueError(f"a map is 2-D, got shape {data.shape}")
        if colormap not in COLORMAPS:
            raise ValueError(f"unknown colormap {colormap!r}; use one of {COLORMAPS}")
        self.colormap = colormap
        self.legend = legend
        self.kind = kind
        # float32 values, or their 8-bit levels: after keep_levels_only(), and from the start
        # for a map as large as a 16-megapixel image (every reader shows the levels only).
        self._stored = _levels(data) if data.size > MAP_PIXELS else _unit_values(data)

    @property
    def data(self) -> np.ndarray:
        """The map's values in [0, 1] as float32 (after :meth:`keep_levels_only`, its
        levels / 255)."""
        if self._stored.dtype == np.uint8:
            return self._stored / np.float32(255.0)
        return self._stored

    def to_uint8(self) -> np.ndarray:
        """The map as 8-bit levels, 255 = most suspicious, in C order (row after row)."""
        if self._stored.dtype == np.uint8:
            return self._stored
        return _levels(self._stored)

    def keep_levels_only(self, max_pixels: int | None = None) -> None:
        """Keep only the 8-bit levels that the page, the CLI and the report show: a quarter
        of the memory of float32. The page's worker keeps every analysis's maps of every
        open image so. With ``max_pixels``, a larger overlay is also reduced by the
        smallest whole factor that brings it under (block means; readers stretch an
        overlay over the image), and its legend says so."""
        levels = self.to_uint8()
        if max_pixels is not None and self.kind == "overlay" and levels.size > max_pixels:
            factor = math.ceil(math.sqrt(levels.size / max_pixels))
            levels = block_means(levels, factor)
            self.legend += f" (kept at 1/{factor} of the image's resolution)"
        self._stored = levels


def _levels(values: np.ndarray) -> np.ndarray:
    """:func:`_unit_values` as levels 0..255 (rounded), a strip of rows at a time."""
    return strip_map(lambda part: np.rint(_unit_values(part) * 255.0), values, np.uint8)


def _unit_values(values: np.ndarray) -> np.ndarray:
    """``values`` as float32 in [0, 1] (not-a-number as 0, others clipped), a strip of rows
    at a time so that no second full-size copy is made."""

    def unit(part: np.ndarray) -> np.ndarray:
        return np.clip(np.nan_to_num(part.astype(np.float32)), 0.0, 1.0)

    return strip_map(unit, values, np.float32)


def scaled(values: np.ndarray, factor: float) -> np.ndarray:
    """``values`` times ``factor`` as float32 (as maps keep them), a strip of rows at a
    time: no full-size float64 product on a large image."""
    return strip_map(lambda part: part * factor, values, np.float32)


def expand_blocks(values: np.ndarray, block: float, height: int, width: int) -> np.ndarray:
    """A per-block array blown up to pixels: each value covers its block x block square
    (``block`` need not be whole: blocks measured on a reduced copy of the image).

    Blocks hanging over the image's edge are cut there, so every value stays over the
    pixels it was measured on; where the blocks stop short of the edge (whole blocks only),
    the last row and column of values carry on to it.
    """
    # Each pixel's block, by indexing: the only full-size array made is the result, in
    # float32 as maps keep it.
    rows = np.minimum(np.arange(height) // block, values.shape[0] - 1).astype(np.intp)
    cols = np.minimum(np.arange(width) // block, values.shape[1] - 1).astype(np.intp)
    return values.astype(np.float32)[np.ix_(rows, cols)]


def verdict_for(score: float) -> Verdict:
    """The verdict a calibrated score in [0, 1] stands for."""
    if score >= SUSPICIOUS_FROM:
        return "suspicious"
    return "inconclusive" if score >= INCONCLUSIVE_FROM else "clean"


def calibrated(value: float, clean: float, suspicious: float) -> float:
    """A raw statistic onto the score scale: ``clean`` gives 0.35, ``suspicious`` 0.65.

    A logistic curve through those two points (so the bands of :func:`verdict_for` fall
    where the analysis measured them), clipped into [0, 1]. Works for statistics that
    grow with suspicion (``suspicious > clean``) and for those that fall.
    """
    return float(calibration_curve(np.asarray(value, np.float64), clean, suspicious))


def calibration_curve(values: np.ndarray, clean: float, suspicious: float) -> np.ndarray:
    """:func:`calibrated` for every element of an array (a map on the score's scale)."""
    # logit(0.65) - logit(0.35) = 2 * log(0.65 / 0.35)
    slope = 2.0 * np.log(SUSPICIOUS_FROM / INCONCLUSIVE_FROM) / (suspicious - clean)
    middle = (clean + suspicious) / 2.0
    return special.expit(slope * (values - middle))


def largest_region(mask: np.ndarray, min_cells: int = 1) -> tuple[float, np.ndarray]:
    """The largest 4-connected region of ``mask`` with at least ``min_cells`` cells: its
    share of the array and its own mask (0 and an empty mask when there is none). A
    region, not scattered cells, is what a paste or a retouch makes."""
    labels, count = ndimage.label(mask)
    sizes = np.bincount(labels.ravel())[1:] if count else np.zeros(0, int)
    if not sizes.size or sizes.max() < min_cells:
        return 0.0, np.zeros(mask.shape, bool)
    biggest = int(np.argmax(sizes)) + 1
    return float(sizes[biggest - 1]) / mask.size, labels == biggest


def statistic(name: str, value: float | None, unit: str) -> dict[str, Any]:
    """A findings row for one measured number (None, shown empty, where nothing was measured:
    JSON has no NaN)."""
    number = None if value is None or not np.isfinite(value) else float(value)
    return {"statistic": name, "value": number, "unit": unit}


@dataclass
class Result:
    """The outcome of one analysis on one image.

    ``score`` is in [0, 1] (higher = more likely manipulated or generated) or None for
    analyses that show evidence without judging it, or cannot judge this image;
    ``verdict`` follows from the score (:func:`verdict_for`) and is None with it.
    ``findings`` are the rows of a table (dicts with the same keys);
    ``marks`` are shapes drawn on the image (boxes, polygons, match pairs).
    """

    reason: str
    score: float | None = None
    verdict: Verdict | None = field(default=None, init=False)
    maps: dict[str, Map] = field(default_factory=dict)
    marks: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.score is not None:
            if not 0.0 <= self.score <= 1.0:
                raise ValueError(f"score must be in [0, 1], got {self.score}")
            self.verdict = verdict_for(self.score)
        elif self.verdict is not None:
            raise ValueError("a verdict needs a score")

    def to_json(self, map_paths: dict[str, str | None] | None = None) -> dict[str, Any]:
        """The JSON form of the command-line contract; maps are named, with their paths.

        Overlays are under ``maps`` (written at the image's size); plots, which have axes
        of their own, are under ``plots`` (written at their own size).
        """
        paths = map_paths or {}
        record = {
            "score": self.score,
            "verdict": self.verdict,
            "reason": self.reason,
            "maps": {
                name: paths.get(name)
                for name, layer in self.maps.items()
                if layer.kind == "overlay"
            },
            "marks": self.marks,
            "findings": self.findings,
            "seconds": self.seconds,
        }
        plots = {name: paths.get(name) for name, layer in self.maps.items() if layer.kind == "plot"}
        if plots:
            record["plots"] = plots
        return record
