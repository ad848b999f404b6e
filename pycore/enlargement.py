"""Whether an image is an enlargement, from the periodic trace its interpolation left, and
the image brought back to the size it had.

Three tests: one for nearest-neighbour enlargements, two for interpolations by two kinds
of factor.

By nearest neighbour, at any factor over 1.04: each new pixel copies the old pixel it
falls in, so whole rows and columns repeat the one before, at the regular places where
two new lines fall in one old line (every third line for 1.5x). A recorded image has no
such repeats but in flat stretches (a border, a saturated band; left out here), and where
smooth dark lines come out equal, irregularly. The repeats are dropped, which gives back
the old pixels exactly.

By two (the commonest, and a generator's own up-sampling factor):

Enlarging by two puts two new samples where there was one. With the usual convention (the
new pixels' centres a quarter of an old pixel either side of the old centre: Pillow,
OpenCV's INTER_LINEAR/CUBIC, most editors), the two pixels made from the same old pixel
differ less than two pixels made from neighbouring old ones: nearest neighbour makes the
first difference zero, bilinear makes it a quarter of a two-pixel step against half a
one-pixel step. So the mean absolute difference between neighbours alternates from one
column (or row) to the next; in a recorded image it is the same at even and odd places.
This is the simplest of the periodic correlations resampling leaves (A. C. Popescu and
H. Farid, "Exposing digital forgeries by detecting traces of resampling", IEEE Trans.
Signal Processing 53(2), 2005). JPEG's 8x8 blocks also make the steps vary with the
place in the block (larger at block edges, and following the surviving DCT cosines inside),
so the mean step is taken at each of the 8 places of that period and split into its
frequencies: an enlargement by two shows as the alternating component (period 2), and
only counts where it is clearly stronger than the block's own components (periods 8, 4
and 8/3).

By other factors s between 1.1 and 1.9: where a new pixel falls between the old ones,
and so which weighted sum of them it is, repeats with frequency 1 - 1/s cycles per pixel
(every third pixel for 1.5x), and with it how well a pixel is predicted from its
neighbours along an axis (Popescu and Farid above). Each pixel's residue from two
predictors is measured: the mean of its two neighbours (half the second derivative, A. C.
Gallagher, "Detection of linear and cubic interpolation in JPEG compressed images", CRV
2005), and Popescu and Farid's linear predictor from three neighbours either side, its
weights fitted to the image by least squares (their EM's first step, every pixel weighed
alike). The fitted predictor follows the image's own smooth structure, so that on smooth
content (electron micrographs) the interpolation's trace stands out where the neighbours'
mean leaves the content's curvature; the neighbours' mean, fitted to nothing, keeps the
trace where the fit absorbs part of it (Lanczos by 1.75x). Each residue is taken two ways,
its absolute value (Gallagher) and exp(-residue^2) (M. Kirchner, ACM MM&Sec 2008), which
weighs only near-exact predictions, as in the flat parts of a clean photograph; each way
finds enlargements the others miss (models/ai_generated/card.md). Each of these four is
averaged along the other axis, and the spectrum of that profile is searched for a peak;
both axes must show it at the same frequency (the image was scaled as a whole).
Frequencies of JPEG's block grid (multiples of 1/8: factors near 8/7, 4/3 and 8/5) are
left out, since JPEG blocks and a generator's period-4 up-sampling put peaks there too
(after a reduction by s, multiples of s/8 as well: where a JPEG saved after the
enlargement has moved its grid, and the multiples of s, where the reduction by s leaves
its own trace); and frequencies over 0.48, where 2x would be, are the first test's.
A factor over two leaves the peak of 1/s, read as the factor s/(s-1): what is left after
that reduction is found in turn (3x is reduced by 1.5, then halved).

An enlargement adds no detail, only the interpolation's trace; a detector of generators'
up-sampling must not read that trace as generated, so such an image is judged at the size
it had before (pycore.analyses.ai_generated). Reduced by another factor than two, it is
given back its old pixels by least squares where it shows its kernel and grid clearly
(pycore.unenlarge), else shrunk, which blurs away some of the finest detail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from PIL import Image as PILImage
from scipy import ndimage

from .strips import halo_strips, row_strips
from .unenlarge import undo_enlargement

# A nearest-neighbour enlargement: the share of lines (of the pairs that are not a flat
# line repeating a flat line) that repeat the one before, from which an axis counts as
# enlarged so (1.04x and up), and the share of the gaps between repeats that must be as
# regular as an enlargement leaves them.
# Smooth dark lines can come out equal in a recorded image (up to 35% of pairs in the 225
# real images after JPEG 95, 80% after JPEG 75), but at random places or within JPEG's
# blocks only.
_REPEATED_FROM = 0.04
_REGULAR_FROM = 0.9
# A place of JPEG's block period counts as starved of repeats below this share of the mean
# over the places, judged where there are at least this many repeats per place.
_EVERY_PLACE_FROM = 0.25
_REPEATS_PER_PLACE = 4
# How far apart the two axes' nearest-neighbour factors may be (relative): one factor
# maps the detectors' cells back.
_FACTORS_AGREE_WITHIN = 0.02
# Alternating component of the mean step (relative to the mean step) from which an axis
# counts as enlarged 2x, and how much stronger it must be than the JPEG block's components:
# either clearly alternating, or (a near-ideal kernel such as Lanczos alternates little)
# weakly but standing far above the block's components, which a recorded image's
# alternation does not. models/ai_generated/validation.md gives how often each passes.
ENLARGED_FROM = 0.05
_OVER_BLOCK_PERIODS = 1.5
_WEAKLY_ENLARGED_FROM = 0.015
_WEAK_OVER_BLOCK_PERIODS = 5.0
# The interpolation peak (over the median of the profile's spectrum in the band searched,
# on the weaker axis) from which an image counts as enlarged by another factor than two,
# and how far apart the two axes' peaks may be (cycles per pixel). Above the highest that
# any of the 225 real images of ../shared/data/real gives as stored or saved as JPEG 95,
# in any of the four profiles (18.7 and 16.7; scikit-image's `astronaut` and `microarray`
# are the highest, probably the traces of their own earlier resizing), so that no genuine
# image as stored is reduced. models/ai_generated/validation.md gives how
# often enlargements are found.
INTERPOLATION_PEAK_FROM = 20.0
_AXES_AGREE_WITHIN = 0.01
# The two measures of a pixel's residue (8-bit levels) whose profiles are searched:
# Gallagher's absolute residue, which the interpolation of noise and texture modulates, and
# Kirchner's exp(-residue^2), which weighs only near-exact predictions, as in smooth
# regions of a clean image. Each finds enlargements the other misses (the card's figures).
RESIDUE_MEASURES = (np.abs, lambda residue: np.exp(-np.square(residue)))
# The neighbours a pixel is predicted from, either side along an axis: three, the support
# of a Lanczos-3 kernel, the widest in common use.
_PREDICTOR_REACH = 3
_NEIGHBOURS = [offset for offset in range(-_PREDICTOR_REACH, _PREDICTOR_REACH + 1) if offset]
# The mean of the two nearest neighbours, as weights on _NEIGHBOURS.
_NEIGHBOURS_MEAN = np.array([0.5 if abs(offset) == 1 else 0.0 for offset in _NEIGHBOURS])
# The band of frequencies searched (cycles per pixel): below, the image's content.
_LOWEST_FREQUENCY = 0.1
_HIGHEST_FREQUENCY = 0.48
_BLOCK_GRID_TOLERANCE = 0.012
# Zero-padding of the profile's spectrum: finer frequencies, so a precise factor.
_SPECTRUM_PADDING = 4
# The mean of the two pixels a 2x enlargement by Keys' bicubic kernel (a = -0.5) makes from
# one old pixel (a quarter of an old pixel either side of its centre, as Pillow and most
# editors place them) is the old image filtered by these weights along the axis: it keeps
# the finest detail at 69% per axis, and 47% on the diagonal, where a generator's trace
# lies. Halving undoes it (least-squares inverse, 9 taps): a bicubic enlargement gives back
# its old pixels; a Lanczos one (72% per axis) nearly; a bilinear one (50%) more of them
# than the mean alone. (pycore.unenlarge's exact inverse of the enlargement was measured
# in its place and flipped more genuine images: it passes the new pixels' rounding on to
# the old ones, which the mean first averages away; models/ai_generated/card.md.)
_BICUBIC_PAIR_MEAN = np.array([-3.0, 20.0, 222.0, 20.0, -3.0]) / 256.0
# Images are not reduced below this side (pixels): the detectors need room.
_MIN_SIDE = 128
# JPEG's block period: steps are measured per place within it.
_PERIOD = 8
# Added to the mean step (8-bit levels) so that a flat image divides by something.
_STEP_FLOOR = 1e-3


class NativeResolution(NamedTuple):
    """An image brought back to the size it had before it was enlarged."""

    gray: np.ndarray
    # How much it was reduced, on both axes (1: not at all).
    factor: float
    # How strongly the given image's steps alternate (the weaker axis): about 0 for a
    # recorded image, 0.05 to 1 for a 2x enlargement (1 for nearest neighbour).
    alternation: float
    # Whether it was reduced by another factor than two, undoing an interpolated
    # enlargement (at some step, by least squares or by shrinking; dropping a
    # nearest-neighbour enlargement's repeated lines gives back the old pixels and does
    # not count).
    resampled: bool
    # Whether, at some such step, the old pixels could not be found again (the kernel or
    # the grid did not show, pycore.unenlarge) and the image was shrunk instead, blurring
    # away some of the finest detail, where a generator's trace lies.
    shrunk: bool


def native_resolution(gray: np.ndarray) -> NativeResolution:
    """``gray`` brought back to the size it had, never below 128 pixels on a side: rid of
    the lines a nearest-neighbour enlargement repeated while it shows them on both axes,
    else halved (2x2 means of the pixels made from one old pixel) while it is a 2x
    enlargement on both axes, or else reduced by the factor of an enlargement by another
    factor while it shows one. Once resampled so, only a clear alternation counts as 2x:
    a reduction by 3/2 by shrinking alternates weakly itself (its pixels fall a quarter and three
    quarters of the way between old ones, in turn)."""
    factor = 1.0
    last_scale = 1.0
    alternation = None
    resampled = False
    shrunk = False
    while True:
        axes = [_axis_periods(gray, axis) for axis in (0, 1)]
        if alternation is None:
            alternation = min(alternating for alternating, _, _ in axes)
        kept = [_lines_kept(repeats, flat) for repeats, flat in _repeats_and_flats(gray)]
        if all(lines is not None and lines.sum() >= _MIN_SIDE for lines in kept):
            row_factor, column_factor = (lines.size / lines.sum() for lines in kept)
            if abs(row_factor - column_factor) <= _FACTORS_AGREE_WITHIN * row_factor:
                rows, columns = kept
                gray = gray[rows][:, columns]
                factor *= (row_factor + column_factor) / 2
                continue
        halvable = min(gray.shape) >= 2 * _MIN_SIDE
        if halvable and all(
            _alternates(alternating, block, weak_counts=not resampled)
            for alternating, block, _ in axes
        ):
            (_, _, row_start), (_, _, col_start) = axes
            gray = _halved(gray[row_start:, col_start:])
            factor *= 2
            continue
        scale = interpolation_factor(gray, reduced_by=factor, resampled_by=last_scale)
        if scale is None or min(gray.shape) / scale < _MIN_SIDE:
            return NativeResolution(gray, factor, alternation, resampled, shrunk)
        undone = undo_enlargement(gray, scale)
        gray = _shrunk(gray, scale) if undone is None else undone.gray
        shrunk |= undone is None
        factor *= scale
        # (A halving after this moves its trace to 2s, one of the multiples left out.)
        last_scale = scale
        resampled = True


def _repeats_and_flats(gray: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """For the rows, then the columns: whether each line repeats the one before (from the
    second line on), and whether each line is flat (a strip of rows at a time: no
    full-size temporaries)."""
    height, width = gray.shape
    row_repeats = np.zeros(max(height - 1, 0), bool)
    row_flats = np.zeros(height, bool)
    column_repeats = np.ones(max(width - 1, 0), bool)
    column_flats = np.ones(width, bool)
    for rows in row_strips(height):
        strip = gray[rows]
        before = gray[max(rows.start - 1, 0) : rows.stop]
        row_repeats[max(rows.start - 1, 0) : rows.stop - 1] = np.all(
            before[1:] == before[:-1], axis=1
        )
        row_flats[rows] = np.all(strip == strip[:, :1], axis=1)
        column_repeats &= np.all(strip[:, 1:] == strip[:, :-1], axis=0)
        column_flats &= np.all(strip == gray[0], axis=0)
    return [(row_repeats, row_flats), (column_repeats, column_flats)]


def _lines_kept(repeats: np.ndarray, flat: np.ndarray) -> np.ndarray | None:
    """Which lines to keep (a boolean mask) to undo a nearest-neighbour enlargement along
    an axis, given whether each line repeats the one before (``repeats``, from the second
    line on) and whether it is ``flat``; None where the repeats do not look like one. Such an
    enlargement by s makes new line j a copy of old line about (j + 1/2) / s: a line
    repeats its predecessor where two new lines fall in one old one, every 1/(1 - 1/s)
    lines, give or take one (resampling code settles new lines that fall on the border of
    two old ones by rounding). Each repeat is dropped; of a flat line repeating a flat line,
    which a recorded image has too (a border), as many as an enlargement by s made."""
    telling = ~(flat[1:] & repeats)
    if telling.sum() < _MIN_SIDE:
        return None
    share = float(repeats[telling].mean())
    if not _REPEATED_FROM <= share < 1.0:
        return None
    seen = np.flatnonzero(repeats & telling)
    # JPEG's flat blocks repeat lines too, within a block but never across its border: one
    # place of the block period starved of repeats. An enlargement's repeats fall at every
    # place alike, or, where its own period divides 8 (by 2, 4, 8/7, 4/3, 8/5), at some
    # places only, starving two or more (but 8x, whose repeats starve one place too).
    # (Judged where there are repeats enough for each place; fewer, within blocks, come in
    # runs, which the gaps below find irregular.)
    places = np.bincount(seen % _PERIOD, minlength=_PERIOD)
    starved = np.count_nonzero(places < _EVERY_PLACE_FROM * places.mean())
    if seen.size >= _PERIOD * _REPEATS_PER_PLACE and starved == 1:
        return None
    spacing = 1.0 / share
    gaps = np.diff(seen)
    regular = (gaps >= np.floor(spacing) - 1) & (gaps <= np.ceil(spacing) + 1)
    if np.mean(regular) < _REGULAR_FROM:
        return None
    dropped = repeats & telling
    # A run of n equal flat lines came from about n/s old ones (a border stays a border,
    # each step of a stepped band one line): the rest of the run is dropped.
    scale = 1.0 / (1.0 - share)
    runs, _ = ndimage.label(~telling)
    for (pairs,) in ndimage.find_objects(runs):
        # Pairs pairs.start..pairs.stop-1: lines pairs.start..pairs.stop, all equal.
        kept = max(1, round((pairs.stop - pairs.start + 1) / scale))
        dropped[pairs.start + kept - 1 : pairs.stop] = True
    return np.concatenate([[True], ~dropped])


def _alternates(alternating: float, block: float, weak_counts: bool) -> bool:
    """Whether an axis's steps alternate as a 2x enlargement's do (see ENLARGED_FROM)."""
    clearly = alternating >= ENLARGED_FROM and alternating >= _OVER_BLOCK_PERIODS * block
    weakly = (
        weak_counts
        and alternating >= _WEAKLY_ENLARGED_FROM
        and alternating >= _WEAK_OVER_BLOCK_PERIODS * block
    )
    return clearly or weakly


def _axis_periods(gray: np.ndarray, axis: int) -> tuple[float, float, int]:
    """Along ``axis``: the alternating component of the mean step, the strongest of the
    block's other components (both relative to the mean step), and where the pairs of
    pixels made from one old pixel start (0 or 1: the parity of the smaller steps)."""
    steps = np.abs(np.diff(gray.astype(np.float32), axis=axis))
    length = steps.shape[axis] // _PERIOD * _PERIOD
    if length == 0:
        return 0.0, 0.0, 0
    # Mean step at each place within the period (all lines of the other axis pooled).
    steps = np.moveaxis(steps.take(np.arange(length), axis=axis), axis, 0)
    per_place = steps.reshape(length // _PERIOD, _PERIOD, -1).mean(axis=(0, 2), dtype=np.float64)
    components = np.fft.rfft(per_place) / (_PERIOD * (per_place.mean() + _STEP_FLOOR))
    alternating = components[_PERIOD // 2].real
    block = float(np.abs(components[1 : _PERIOD // 2]).max())
    # A positive alternating component: the steps at even places are the larger, so the
    # pairs made from one old pixel are joined by the odd steps and start at 1.
    return float(abs(alternating)), block, int(alternating > 0)


def interpolation_factor(
    gray: np.ndarray, reduced_by: float = 1.0, resampled_by: float = 1.0
) -> float | None:
    """The factor (between 1.1 and 1.9) of an enlargement whose interpolation trace both
    axes show, in any of the four profiles of the residue, or None. ``reduced_by``: how much
    ``gray`` was already reduced, which moved the block grid of a JPEG saved at the size
    given to multiples of reduced_by/8 cycles per pixel; ``resampled_by``: the factor of
    the last reduction by another factor than two, whose own resampling repeats at
    multiples of that many cycles per pixel (where a pixel falls between the old ones
    advances by it from one pixel to the next), which is not to be read as a further
    enlargement."""
    grid_spacings = (1 / _PERIOD, reduced_by / _PERIOD, resampled_by)
    found = []
    for profiles in _residue_profiles(gray):
        (row_frequency, row_peak), (col_frequency, col_peak) = (
            _interpolation_peak(profile, grid_spacings) for profile in profiles
        )
        if (
            min(row_peak, col_peak) >= INTERPOLATION_PEAK_FROM
            and abs(row_frequency - col_frequency) <= _AXES_AGREE_WITHIN
        ):
            found.append((min(row_peak, col_peak), (row_frequency + col_frequency) / 2))
    if not found:
        return None
    # A JPEG's block grid enlarged with the image by s repeats every 8s pixels, and its
    # harmonics, at multiples of 1/(8s) cycles per pixel, can outweigh the interpolation's
    # own peak at 1 - 1/s in some measures (a JPEG enlarged 1.5x: the grid at 2/12, the
    # trace at 4/12). So the factor is the one whose enlarged grid accounts for the most
    # other frequencies found, and among those the strongest.
    frequencies = _distinct(sorted(frequency for _, frequency in found))
    _, _, frequency = max(
        (_grid_harmonics_among(frequency, frequencies), peak, frequency)
        for peak, frequency in found
    )
    return 1.0 / (1.0 - frequency)


def _distinct(frequencies: list[float]) -> list[float]:
    """Sorted ``frequencies`` less those within the axes' tolerance of the one before
    (several profiles finding one peak count once)."""
    kept = frequencies[:1]
    for frequency in frequencies[1:]:
        if frequency - kept[-1] > _AXES_AGREE_WITHIN:
            kept.append(frequency)
    return kept


def _grid_harmonics_among(frequency: float, others: list[float]) -> int:
    """How many of the frequencies ``others``, but ``frequency`` itself, lie at the
    harmonics of a JPEG block grid enlarged by that frequency's factor s. Not at the 4th,
    1/(2s): an interpolation's trace at 1 - 1/s always lies there on the grid of its own
    second harmonic (1 - 2/s, folded), which the fitted profiles can find the stronger."""
    spacing = (1.0 - frequency) / _PERIOD  # 1/(8s) for s = 1/(1 - frequency)
    return sum(
        abs(other - frequency) > _AXES_AGREE_WITHIN
        and round(other / spacing) not in (0, _PERIOD // 2)
        and abs(other - round(other / spacing) * spacing) <= _AXES_AGREE_WITHIN
        for other in others
    )


def _residue_profiles(gray: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each predictor (the mean of the two neighbours, the fitted linear one) and each
    of RESIDUE_MEASURES: per row, the mean over the row of each pixel's residue from its
    prediction by the pixels above and below it; and per column, the same with the pixels
    left and right of it (a strip of rows at a time: no full-size temporaries). Lines
    nearer the edges than the predictor's reach are left out."""
    height, width = gray.shape
    reach = _PREDICTOR_REACH
    if min(height, width) <= 2 * reach:
        return []
    predictors = [
        [_NEIGHBOURS_MEAN, _NEIGHBOURS_MEAN],
        [fitted_predictor(gray, axis) for axis in (0, 1)],
    ]
    count = len(predictors) * len(RESIDUE_MEASURES)
    by_row = np.zeros((count, height), np.float64)
    by_column = np.zeros((count, width - 2 * reach), np.float64)
    for _, context, inner in halo_strips(height, halo=reach):
        strip = gray[context].astype(np.float32)
        across = _predicted(strip[inner], axis=1)
        centres = _centres(inner, len(strip))
        # (The last strip can be too short to hold a row with its context either side.)
        down = None
        if centres.stop > centres.start:
            down = _predicted(strip[centres.start - reach : centres.stop + reach], axis=0)
        predicted_rows = slice(context.start + centres.start, context.start + centres.stop)
        for index, (row_weights, column_weights) in enumerate(predictors):
            across_residue = across(column_weights)
            down_residue = None if down is None else down(row_weights)
            for offset, measure in enumerate(RESIDUE_MEASURES):
                profile = index * len(RESIDUE_MEASURES) + offset
                by_column[profile] += measure(across_residue).sum(axis=0, dtype=np.float64)
                if down_residue is not None:
                    by_row[profile, predicted_rows] = measure(down_residue).mean(axis=1)
    columns = by_column / height
    return [(rows[reach:-reach], column) for rows, column in zip(by_row, columns, strict=True)]


def _centres(inner: slice, length: int) -> slice:
    """The rows of ``inner`` (in a strip of ``length`` rows of context) that have the
    predictor's reach of context either side."""
    return slice(max(inner.start, _PREDICTOR_REACH), min(inner.stop, length - _PREDICTOR_REACH))


def _predicted(lines: np.ndarray, axis: int) -> Callable[[np.ndarray], np.ndarray]:
    """For ``lines`` (with the predictor's reach of context at both ends along ``axis``):
    a function of the weights on _NEIGHBOURS giving each inner pixel's residue from its
    prediction by its neighbours along ``axis``."""
    moved = np.moveaxis(lines, axis, 0)
    length = moved.shape[0]
    reach = _PREDICTOR_REACH
    centre = moved[reach : length - reach]
    neighbours = [moved[reach + offset : length - reach + offset] for offset in _NEIGHBOURS]

    def residue(weights: np.ndarray) -> np.ndarray:
        prediction = sum(
            float(weight) * neighbour
            for weight, neighbour in zip(weights, neighbours, strict=True)
            if weight
        )
        return np.moveaxis(centre - prediction, 0, axis)

    return residue


def fitted_predictor(gray: np.ndarray, axis: int) -> np.ndarray:
    """The weights on _NEIGHBOURS along ``axis`` that predict ``gray``'s pixels (those the
    predictor's reach from the edges) best in the least-squares sense; the least-norm
    solution where the normal equations are singular (a flat image), and the neighbours'
    mean where there are too few lines to fit. Neighbouring pixels are so alike that the
    equations are ill-conditioned: their sums are taken over the very pixels predicted, in
    float64, not from the image's autocorrelation (which changed the weights enough to lose
    most of the trace)."""
    reach = _PREDICTOR_REACH
    length = gray.shape[axis]
    if length <= 2 * reach:
        return _NEIGHBOURS_MEAN
    products = _lagged_products(gray, axis, lags=2 * reach)

    def moment(first: int, second: int) -> float:
        # The sum over the pixels predicted of the products of their neighbours at
        # offsets ``first`` and ``second``.
        nearer = min(first, second)
        return float(products[abs(first - second)][reach + nearer : length - reach + nearer].sum())

    normal = np.array([[moment(a, b) for b in _NEIGHBOURS] for a in _NEIGHBOURS])
    target = np.array([moment(a, 0) for a in _NEIGHBOURS])
    weights, *_ = np.linalg.lstsq(normal, target, rcond=None)
    return weights


def _lagged_products(gray: np.ndarray, axis: int, lags: int) -> list[np.ndarray]:
    """For each lag 0, 1, ... ``lags``: per line j along ``axis``, the sum over the other
    axis of the products of line j and line j + lag (float64, a strip of rows at a time)."""
    length = gray.shape[axis]
    products = [np.zeros(length - lag, np.float64) for lag in range(lags + 1)]
    for rows in row_strips(gray.shape[0]):
        if axis == 1:
            strip = gray[rows].astype(np.float64)
            for lag, sums in enumerate(products):
                sums += (strip[:, : length - lag] * strip[:, lag:]).sum(axis=0)
        else:
            # The strip's rows, with the rows below them that they pair with.
            lines = gray[rows.start : rows.stop + lags].astype(np.float64)
            for lag, sums in enumerate(products):
                # (Near the bottom, fewer rows than the lag have a partner.)
                paired = max(min(rows.stop - rows.start, len(lines) - lag), 0)
                sums[rows.start : rows.start + paired] = (
                    lines[:paired] * lines[lag : lag + paired]
                ).sum(axis=1)
    return products


def _interpolation_peak(
    profile: np.ndarray, grid_spacings: tuple[float, ...]
) -> tuple[float, float]:
    """The frequency (cycles per pixel) of the highest peak of ``profile``'s spectrum in
    the band searched, and its height over the band's median (0 where there is none).
    Left out: the first four multiples of each of ``grid_spacings`` (cycles per pixel: JPEG
    block grids, and the trace of a reduction already made), folded into 0-0.5 as
    sampling folds them."""
    if profile.size < _MIN_SIDE:
        return 0.0, 0.0
    windowed = (profile - profile.mean()) * np.hanning(profile.size)
    padded = _SPECTRUM_PADDING * profile.size
    magnitude = np.abs(np.fft.rfft(windowed, padded))
    frequencies = np.fft.rfftfreq(padded)
    band = (frequencies >= _LOWEST_FREQUENCY) & (frequencies <= _HIGHEST_FREQUENCY)
    for spacing in grid_spacings:
        for multiple in range(1, _PERIOD // 2 + 1):
            grid = multiple * spacing % 1.0
            grid = min(grid, 1.0 - grid)
            band &= np.abs(frequencies - grid) > _BLOCK_GRID_TOLERANCE
    median = float(np.median(magnitude[band]))
    if median <= 0.0:  # a flat image: no residue to be periodic
        return 0.0, 0.0
    strongest = np.flatnonzero(band)[np.argmax(magnitude[band])]
    return float(frequencies[strongest]), float(magnitude[strongest]) / median


def _shrunk(gray: np.ndarray, scale: float) -> np.ndarray:
    """``gray`` shrunk by ``scale`` on both axes (bicubic, smoothed as it shrinks), for an
    enlargement whose old pixels cannot be found by least squares: this blurs away the
    finest detail. Pillow's resampling keeps centres aligned, so a shrinking meets the old
    pixels again where the enlargement's edges were kept."""
    height, width = gray.shape
    size = (round(width / scale), round(height / scale))
    picture = PILImage.fromarray(gray.astype(np.float32), "F")
    return np.asarray(picture.resize(size, PILImage.BICUBIC), dtype=np.float32)


def _halved(gray: np.ndarray) -> np.ndarray:
    """The mean of each 2x2 block (an odd last row or column dropped), sharpened back by
    the inverse of the blur that this mean of a bicubic enlargement leaves (see
    _BICUBIC_PAIR_MEAN)."""
    height, width = gray.shape[0] // 2 * 2, gray.shape[1] // 2 * 2
    blocks = gray[:height, :width].reshape(height // 2, 2, width // 2, 2)
    halved = blocks.mean(axis=(1, 3), dtype=np.float64).astype(np.float32)
    for axis in (0, 1):
        halved = ndimage.convolve1d(halved, _UNDO_BICUBIC_PAIR_MEAN, axis=axis, mode="mirror")
    return halved


def _inverse_filter(weights: np.ndarray, taps: int) -> np.ndarray:
    """The ``taps``-long filter that, convolved with ``weights``, comes nearest the
    identity in the least-squares sense."""
    size = taps + weights.size - 1
    convolution = np.zeros((size, taps))
    for column in range(taps):
        convolution[column : column + weights.size, column] = weights
    impulse = np.zeros(size)
    impulse[size // 2] = 1.0
    inverse, *_ = np.linalg.lstsq(convolution, impulse, rcond=None)
    return inverse


_UNDO_BICUBIC_PAIR_MEAN = _inverse_filter(_BICUBIC_PAIR_MEAN, taps=9).astype(np.float32)
