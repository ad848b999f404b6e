"""Copies that keep their pixels: found by the grain they carry, where keypoints are few.

Method: a region moved, turned by quarter turns or mirrored in an image editor keeps its
pixels exactly, and with them its grain - the image less its 3x3 median (noise, film
grain, the rounding of its levels), which smooth content such as bands or out-of-focus
cells leaves to chance. The cross-correlation of the grain with each of its eight
dihedral versions (the identity, three quarter turns, and the four mirrors), computed by
FFT, peaks at the offset of every such copy, however smooth its content. This is the
exhaustive exact-match search that J. Fridrich, D. Soukal and J. Lukas ("Detection of
copy-move forgery in digital images", DFRWS 2003) describe as comparing the image with
every shifted version of itself, done as a correlation over all offsets at once, on the
grain rather than the pixels, and extended to the dihedral group. A peak is measured in
standard deviations of what chance gives for the pixels the offset shares; each is a
transform hypothesis, and the pixels whose grain agrees under it (local correlation) are
its seeds.
Recompression weakens the grain but keeps its larger-scale part; rotations by other
angles and rescaling resample it away - those copies are the keypoints' to find.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import fft, ndimage

from . import regions
from .matching import Transform

# Quarter turns as complex factors (np.rot90 by k turns multiplies x + iy by (-i)^k in
# array coordinates, y down) and whether the image is first mirrored (y -> -y).
_DIHEDRAL = tuple((k, mirrored) for mirrored in (False, True) for k in range(4))
_PEAKS_PER_MAP = 3
_MIN_OVERLAP = 1000  # pixels: offsets that share fewer have too few samples to judge
# A peak that keeps at least this share of its height _RIDGE_REACH pixels away is a ridge,
# not a point: a copy's grain agrees at one offset only (grain is a pixel or two wide),
# a straight edge's or a stripe's all along it.
_RIDGE = 0.5
_RIDGE_REACH = 6
_WINDOW = 9  # pixels: the local grain correlation that seeds a copy
_SEED_CORRELATION = 0.5
_MIN_GRAIN = 1e-5  # standard deviation of grain (0..1 levels) below which a window is blank
# Height of a correlation peak, in standard deviations of chance at its offset: the
# highest of the millions of offsets of unrelated grain is about 5.5: a peak of 6 is worth
# verifying (and chance or regular structure is for the verification to sort out).
_MIN_PEAK = 6.0


@dataclass
class ExactCopy:
    transform: Transform  # source -> target
    seeds: np.ndarray  # N x 2 (x, y): target pixels whose grain agrees with the source's
    peak: float  # the correlation peak, in standard deviations


def find(fine: np.ndarray, min_shift: float) -> list[ExactCopy]:
    """Copies under shifts, quarter turns and mirrors in an image whose grain is ``fine``
    (pycore.regions.grain), strongest first. Offsets under ``min_shift`` pixels are the
    image itself."""
    centred = (fine - fine.mean()).astype(np.float32)  # single precision: twice as fast
    height, width = centred.shape
    # Zero-padded to twice the size (at a fast FFT length): no offset wraps around.
    padded = (fft.next_fast_len(2 * height - 1, True), fft.next_fast_len(2 * width - 1, True))
    spectrum = fft.rfft2(centred, padded)
    rows = _signed(np.arange(padded[0]), padded[0])[:, None]
    cols = _signed(np.arange(padded[1]), padded[1])[None, :]
    # The spread chance gives the correlation at an offset grows with the square root of
    # the pixels the two share (for independent grain values).
    power = float(np.mean(centred * centred))
    overlapping: dict[tuple[int, int], np.ndarray] = {}
    found = []
    for turns, mirrored in _DIHEDRAL:
        moved = _dihedral(centred, turns, mirrored)
        correlation = fft.irfft2(spectrum * np.conj(fft.rfft2(moved, padded)), padded)
        if moved.shape not in overlapping:  # two shapes: as is, and turned a quarter
            overlapping[moved.shape] = _overlap(centred.shape, moved.shape, rows, cols)
        overlap = overlapping[moved.shape]
        counted = overlap >= _MIN_OVERLAP
        if turns == 0 and not mirrored:  # the image matches itself where it is
            counted &= np.hypot(rows, cols) >= min_shift
        standard = correlation / (np.sqrt(np.maximum(overlap, 1)) * max(power, 1e-30))
        # Neighbouring grain values are not independent: rescaled by the spread the map
        # really has (a robust one, which the peaks themselves do not move; from every
        # 16th offset, which is plenty).
        sample = np.abs(standard[::4, ::4][counted[::4, ::4]])
        spread = 1.4826 * float(np.median(sample)) if sample.size else 0.0
        # Rounded: FFT builds differ in the last bits (native and WebAssembly).
        peaks = np.round(standard / max(spread, 1e-12), 3)
        peaks[~counted] = -np.inf
        origin = _origin(centred.shape, turns, mirrored)
        for _ in range(_PEAKS_PER_MAP):
            row, col = np.unravel_index(np.argmax(peaks), peaks.shape)
            height_of_peak = float(peaks[row, col])
            if height_of_peak < _MIN_PEAK:
                break
            ridge = _ridge(peaks, row, col)
            peaks[max(row - 3, 0) : row + 4, max(col - 3, 0) : col + 4] = -np.inf
            if ridge >= _RIDGE * height_of_peak:
                continue  # straight edges or stripes: they match all along their length
            # A pixel z of the image lands at (-i)^turns * z (mirrored first) + origin in
            # the moved image, and that at + offset in the image: the transform.
            offset = complex(cols[0, col], rows[row, 0])
            transform = Transform(complex((-1j) ** turns), origin + offset, mirrored)
            seeds = _agreeing(fine, transform, min_shift)
            if len(seeds):
                found.append(ExactCopy(transform, seeds, height_of_peak))
    return sorted(found, key=lambda copy: -copy.peak)


def _overlap(
    shape: tuple[int, int], moved: tuple[int, int], rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """Pixels shared by an image of ``shape`` and one of shape ``moved`` placed at each
    offset (rows x cols)."""
    tall = np.minimum(shape[0], rows + moved[0]) - np.maximum(0, rows)
    wide = np.minimum(shape[1], cols + moved[1]) - np.maximum(0, cols)
    return np.maximum(tall, 0) * np.maximum(wide, 0)


def _ridge(peaks: np.ndarray, row: int, col: int) -> float:
    """The highest correlation _RIDGE_REACH pixels from a peak, in 8 directions: a copy's
    grain agrees at one offset only, a straight edge's or a stripe's all along it."""
    reach = _RIDGE_REACH
    offsets = [(dy * reach, dx * reach) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]
    rows, cols = peaks.shape
    return max(float(peaks[(row + dy) % rows, (col + dx) % cols]) for dy, dx in offsets)


def _dihedral(image: np.ndarray, turns: int, mirrored: bool) -> np.ndarray:
    return np.rot90(image[::-1] if mirrored else image, turns)


def _origin(shape: tuple[int, int], turns: int, mirrored: bool) -> complex:
    """Where pixel (0, 0) lands in the moved image."""
    marker = np.zeros(shape, bool)
    marker[0, 0] = True
    row, col = np.argwhere(_dihedral(marker, turns, mirrored))[0]
    return complex(col, row)


def _signed(index: np.ndarray, size: int) -> np.ndarray:
    return np.where(index > size // 2, index - size, index)


def _agreeing(fine: np.ndarray, transform: Transform, min_shift: float) -> np.ndarray:
    """Target pixels (x, y) whose grain correlates locally with that of their source
    under ``transform`` (which maps whole pixels onto whole pixels)."""
    height, width = fine.shape
    rows, cols = np.mgrid[:height, :width]
    source = np.rint(
        transform.inverse().apply(np.stack([cols, rows], axis=-1).astype(np.float64))
    ).astype(np.intp)
    inside = (
        (source[..., 0] >= 0)
        & (source[..., 0] < width)
        & (source[..., 1] >= 0)
        & (source[..., 1] < height)
        & (np.hypot(source[..., 0] - cols, source[..., 1] - rows) >= min_shift)
    )
    moved = np.where(
        inside,
        fine[np.clip(source[..., 1], 0, height - 1), np.clip(source[..., 0], 0, width - 1)],
        0.0,
    )
    # Rounded: the last bits of the filters differ between builds (native and WebAssembly).
    correlation = np.round(regions.correlation_map(fine, moved, _WINDOW, _MIN_GRAIN), 6)
    agreeing = ndimage.binary_opening(inside & (correlation >= _SEED_CORRELATION), iterations=2)
    return np.argwhere(agreeing)[:, ::-1].astype(np.float64)
