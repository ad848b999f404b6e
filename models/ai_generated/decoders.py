"""A decoder unlike any the detector was trained with, for tests and validation.

It draws the way a GAN's decoder draws: from a code at a quarter of the image's size,
through two 2x transposed convolutions with one fixed 4x4 kernel, whose uneven overlap
leaves the checkerboard pattern of such decoders (A. Odena, V. Dumoulin and C. Olah,
"Deconvolution and checkerboard artifacts", Distill 2016). No network is trained: the
kernel is random, so each one is a generator the detector never saw.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def decoder_kernel(rng: np.random.Generator) -> np.ndarray:
    """A random positive 4x4 kernel that keeps the mean level (its sum is 4: each output
    pixel of a 2x transposed convolution receives a quarter of the kernel's taps)."""
    kernel = rng.uniform(0.5, 1.5, (4, 4))
    return kernel * (4 / kernel.sum())


def transposed_convolution(gray: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """2x up-sampling as a transposed convolution: zeros between samples, then the kernel."""
    spread = np.zeros((2 * gray.shape[0], 2 * gray.shape[1]))
    spread[::2, ::2] = gray
    return ndimage.convolve(spread, kernel, mode="reflect")


def decoded(gray: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``gray`` (8-bit units) redrawn from every fourth pixel by two transposed
    convolutions with ``kernel``, clipped to 0..255."""
    code = np.asarray(gray, dtype=np.float64)[::4, ::4]
    return np.clip(transposed_convolution(transposed_convolution(code, kernel), kernel), 0, 255)
