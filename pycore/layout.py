"""The panels of a multi-panel figure.

Method: recursive X-Y cut (G. Nagy and S. Seth, "Hierarchical representation of optically
scanned documents", ICPR 1984), as used for compound figures (e.g. A. Chhatkuli et al.,
"Separating compound figures in journal articles to allow for subfigure classification",
SPIE Medical Imaging 2013). A region is cut along gutters - runs of rows or columns at
least 98% background, the figure's white or black, once panel letters and other small
marks are set aside - or, for panels set edge to edge, along seams: straight lines across
which the image changes several times more than between neighbouring rows or columns,
all the way across. Cuts recurse until no region can be cut, and margins are trimmed.

A cut must separate panels, not objects: a cut is refused when its pieces are not mostly
rectangles filled to their edges, or when it would drop more than a few percent of the
content as too small to be a panel - which keeps a micrograph of cells on a black
background whole, where a plain X-Y cut would box every cell.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .strips import row_strips, strip_map

_GUTTER_SHARE = 0.98
# A seam changes the image this many times more than a typical row or column step does.
_SEAM_FACTOR = 4.0
# ... and clearly (twice the typical step) along this share of its length.
_SEAM_LENGTH = 0.6
_MAX_DEPTH = 8
# Share of a region's content a cut may drop as labels (see _splits_into_panels).
_DROPPED_CONTENT = 0.05
# Least share of content on a panel's outline.
_PANEL_FRAME = 0.5


@dataclass(frozen=True)
class Box:
    """A panel, in pixels: left, top, right, bottom (right and bottom exclusive)."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def contains(self, x: float, y: float) -> bool:
        return self.left <= x < self.right and self.top <= y < self.bottom


def split_panels(
    gray: np.ndarray, min_gutter: int = 3, tolerance: float = 12.0, min_panel: float = 0.08
) -> list[Box]:
    """The panels of a figure (gray, 8-bit units) in reading order."""
    # The figure's background is the colour of its outer frame, if that is white or black.
    frame = np.concatenate(
        [gray[:2].ravel(), gray[-2:].ravel(), gray[:, :2].ravel(), gray[:, -2:].ravel()]
    )
    colour = float(np.median(frame))
    if tolerance < colour < 255 - tolerance:
        colour = 255.0  # no clear frame: gutters are white, as in most journals
    # A strip at a time: no full-size float copy (large figures).
    background = strip_map(lambda part: np.abs(part - colour) <= tolerance, gray, bool)
    smallest = max(16, int(min_panel * min(gray.shape)))
    clear = background | _small_objects(~background, smallest)
    found: list[Box] = []
    _cut(
        Box(0, 0, gray.shape[1], gray.shape[0]),
        background,
        clear,
        gray,
        min_gutter,
        smallest,
        found,
        depth=0,
    )
    found = [
        box
        for box in (_trim(box, clear) for box in found)
        if box is not None and min(box.width, box.height) >= smallest
    ]
    if not found:  # an image all background, or all small objects: one panel
        found = [Box(0, 0, gray.shape[1], gray.shape[0])]
    return sorted(found, key=lambda box: (_row_band(box, found), box.left))


def _cut(
    box: Box,
    background: np.ndarray,
    clear: np.ndarray,
    gray: np.ndarray,
    min_gutter: int,
    smallest: int,
    found: list[Box],
    depth: int,
) -> None:
    region = clear[box.top : box.bottom, box.left : box.right]
    for axis in (0, 1):  # rows first (horizontal cuts), then columns
        pieces = _pieces(region.mean(axis=1 - axis) >= _GUTTER_SHARE, min_gutter)
        if len(pieces) > 1 and not _splits_into_panels(
            box, pieces, axis, background, clear, smallest
        ):
            pieces = []  # objects on a plain background (cells on black), not panels
        if len(pieces) <= 1:
            length = (box.height, box.width)[axis]
            pieces = _pieces_at_seams(_seams(gray, box, axis), smallest, length)
        if len(pieces) > 1 and depth < _MAX_DEPTH:
            for start, end in pieces:
                child = _child(box, axis, start, end)
                _cut(child, background, clear, gray, min_gutter, smallest, found, depth + 1)
            return
    found.append(box)


def _splits_into_panels(
    box: Box,
    pieces: list[tuple[int, int]],
    axis: int,
    background: np.ndarray,
    clear: np.ndarray,
    smallest: int,
) -> bool:
    """Whether cutting ``box`` into ``pieces`` along ``axis`` separates panels.

    Panels are rectangles, so the frame of each one's bounding box is nearly all content;
    nuclei or particles on a plain background have round outlines that touch their box
    in a few points. And a cut may drop only labels: panel letters hold a few percent
    of a figure's content, scattered objects most of it."""
    content = ~background
    total = int(content[box.top : box.bottom, box.left : box.right].sum())
    dropped = rectangular = 0
    for start, end in pieces:
        piece = _trim(_child(box, axis, start, end), clear)
        if piece is None:
            continue
        amount = int(content[piece.top : piece.bottom, piece.left : piece.right].sum())
        if min(piece.width, piece.height) < smallest:
            dropped += amount
        elif _frame_share(content, piece) >= _PANEL_FRAME:
            rectangular += amount
    return dropped <= _DROPPED_CONTENT * total and rectangular >= 0.5 * (total - dropped)


def _steps(gray: np.ndarray, box: Box, axis: int, rows: slice) -> np.ndarray:
    """|difference| of the pixels of ``box`` in its ``rows`` (relative to the box) with the
    next pixel along ``axis`` (0 past the figure's last row or column)."""
    top = box.top + rows.start
    bottom = box.top + min(rows.stop, box.height)
    end = gray.shape[axis]
    if axis == 0:
        values = gray[top : min(bottom + 1, end), box.left : box.right]
        if bottom == end:  # the figure's edge: no step past it
            values = np.concatenate([values, values[-1:]])
    else:
        values = gray[top:bottom, box.left : min(box.right + 1, end)]
        if box.right == end:
            values = np.concatenate([values, values[:, -1:]], axis=1)
    return np.abs(np.diff(values, axis=axis))


def _small_objects(content: np.ndarray, smallest: int) -> np.ndarray:
    """Content in connected pieces too small to be panels: panel letters and labels set
    in the gutters, which would otherwise close them."""
    labels, count = ndimage.label(content)
    if not count:
        return np.zeros_like(content)
    small = np.zeros(count + 1, bool)
    for index, span in enumerate(ndimage.find_objects(labels), start=1):
        small[index] = max(span[0].stop - span[0].start, span[1].stop - span[1].start) < smallest
    return small[labels]


def _frame_share(content: np.ndarray, box: Box) -> float:
    """Share of content on the outermost rows and columns of ``box``."""
    inner = content[box.top : box.bottom, box.left : box.right]
    edges = np.concatenate([inner[0], inner[-1], inner[:, 0], inner[:, -1]])
    return float(edges.mean())


def _child(box: Box, axis: int, start: int, end: int) -> Box:
    """The part of ``box`` from ``start`` to ``end`` along ``axis`` (0: rows)."""
    if axis == 0:
        return Box(box.left, box.top + start, box.right, box.top + end)
    return Box(box.left + start, box.top, box.left + end, box.bottom)


def _pieces(gutter: np.ndarray, min_gutter: int) -> list[tuple[int, int]]:
    """Runs of non-gutter between gutters at least ``min_gutter`` long (margins included)."""
    labels, count = ndimage.label(~gutter)
    if count <= 1:
        return [(0, len(gutter))] if count else []
    spans = ndimage.find_objects(labels)
    pieces = [(span[0].start, span[0].stop) for span in spans]
    merged = [pieces[0]]
    for start, end in pieces[1:]:
        if start - merged[-1][1] < min_gutter:  # too thin a gap: not a gutter
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _seams(gray: np.ndarray, box: Box, axis: int) -> np.ndarray:
    """Positions along ``axis`` in ``box`` where a straight seam runs: the step across it
    is several times the typical step, well above the steps just beside it, and large
    almost all along it (a natural edge is neither straight nor uniform).

    The steps are made a strip of the box's rows at a time and never kept whole: on a
    50-megapixel figure each full-size array of them takes 400 MB."""
    strips = list(row_strips(box.height))
    if axis == 0:  # one position per row
        energy = np.concatenate([_steps(gray, box, 0, rows).mean(axis=1) for rows in strips])
    else:  # one position per column
        energy = sum(_steps(gray, box, 1, rows).sum(axis=0) for rows in strips) / box.height
    typical = max(float(np.median(energy)), 1.0)
    beside = np.maximum(
        ndimage.maximum_filter1d(np.roll(energy, 2), 3),
        ndimage.maximum_filter1d(np.roll(energy, -2), 3),
    )
    large = np.concatenate([_steps(gray, box, axis, rows) > 2 * typical for rows in strips])
    if axis == 1:
        large = large.T  # one row per position along the axis
    end = max(large.shape[1] // 20, 2)
    seam = (
        (energy >= _SEAM_FACTOR * typical)
        & (energy >= 3 * beside)
        & (large.mean(axis=1) >= _SEAM_LENGTH)
        # A panel edge runs right across; a straight edge inside an image (a sector of a
        # chart, a cell wall) stops short of the ends.
        & large[:, :end].any(axis=1)
        & large[:, -end:].any(axis=1)
    )
    return seam[:-1]


def _pieces_at_seams(seam: np.ndarray, smallest: int, length: int) -> list[tuple[int, int]]:
    """Cut after seam positions that leave pieces of at least ``smallest`` on each side."""
    cuts = [0]
    for position in np.flatnonzero(seam):
        if position + 1 - cuts[-1] >= smallest and length - position - 1 >= smallest:
            cuts.append(int(position) + 1)
    cuts.append(length)
    return list(itertools.pairwise(cuts)) if len(cuts) > 2 else [(0, length)]


def _trim(box: Box, background: np.ndarray) -> Box | None:
    region = background[box.top : box.bottom, box.left : box.right]
    rows = np.flatnonzero(region.mean(axis=1) < _GUTTER_SHARE)
    cols = np.flatnonzero(region.mean(axis=0) < _GUTTER_SHARE)
    if not len(rows) or not len(cols):
        return None
    return Box(
        box.left + int(cols[0]),
        box.top + int(rows[0]),
        box.left + int(cols[-1]) + 1,
        box.top + int(rows[-1]) + 1,
    )


def _row_band(box: Box, boxes: list[Box]) -> int:
    """The top of the first box whose rows overlap this one: panels side by side read as
    one row even when their tops differ a little."""
    for other in sorted(boxes, key=lambda entry: entry.top):
        overlap = min(box.bottom, other.bottom) - max(box.top, other.top)
        if overlap > 0.5 * min(box.height, other.height):
            return other.top
    return box.top


def letter(index: int) -> str:
    """A panel's name by its place in reading order: A to Z, then numbers."""
    return chr(ord("A") + index) if index < 26 else str(index + 1)
