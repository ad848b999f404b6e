"""Local edits of real images with their masks: training and validation material for the
manipulation segmenter. The mask of an edit comes from the same code that made it.

Each edit changes the pixels inside a random shape (ellipse or polygon) the way a forger's
tool would: splicing from another image, copy-move within the image, inpainting (a smooth
fill from the surroundings, as clean-up tools give, or a patch of nearby texture), blur,
sharpening, added noise, denoising, and resampling of the region.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw
from scipy import ndimage

from ..data import random_crop, resize

Edit = Callable[[np.ndarray, np.ndarray, np.ndarray, np.random.Generator], np.ndarray]


def random_shape(side: int, rng: np.random.Generator) -> np.ndarray:
    """A boolean mask of one ellipse or polygon covering about 3% to 25% of the square."""
    canvas = PILImage.new("L", (side, side), 0)
    draw = ImageDraw.Draw(canvas)
    radius = side * np.sqrt(rng.uniform(0.03, 0.25) / np.pi)
    centre = rng.uniform(radius, side - radius, 2)
    if rng.random() < 0.5:
        stretch = rng.uniform(0.6, 1.6)
        rx, ry = radius * stretch, radius / stretch
        draw.ellipse([centre[0] - rx, centre[1] - ry, centre[0] + rx, centre[1] + ry], fill=255)
    else:
        count = int(rng.integers(3, 9))
        angles = np.sort(rng.uniform(0, 2 * np.pi, count))
        radii = radius * rng.uniform(0.6, 1.4, count)
        points = [
            (centre[0] + r * np.cos(a), centre[1] + r * np.sin(a))
            for a, r in zip(angles, radii, strict=True)
        ]
        draw.polygon(points, fill=255)
    return np.asarray(canvas) > 127


def _blend(image: np.ndarray, edited: np.ndarray, mask: np.ndarray, rng) -> np.ndarray:
    """``edited`` inside the mask, with a feathered edge of up to 2 pixels sometimes."""
    weight = mask.astype(np.float32)
    if rng.random() < 0.5:
        weight = ndimage.gaussian_filter(weight, rng.uniform(0.5, 2.0))
    return image * (1 - weight) + edited * weight


def splice(image, mask, donor, rng):
    """The region taken from another image, brought to this one's brightness."""
    piece = random_crop(donor, image.shape[0], rng)
    piece = (piece - piece.mean()) / (piece.std() + 1e-6) * image.std() + image.mean()
    return _blend(image, np.clip(piece, 0, 255), mask, rng)


def copy_move(image, mask, donor, rng):
    """The region taken from elsewhere in the same image."""
    shift = rng.integers(-image.shape[0] // 2, image.shape[0] // 2, 2)
    return _blend(image, np.roll(image, tuple(shift), axis=(0, 1)), mask, rng)


def inpaint_smooth(image, mask, donor, rng):
    """The region filled from its surroundings by normalised convolution: smooth, as
    diffusion-based clean-up tools leave it."""
    known = (~ndimage.binary_dilation(mask, iterations=2)).astype(np.float32)
    sigma = rng.uniform(3, 10)
    fill = ndimage.gaussian_filter(image * known, sigma) / (
        ndimage.gaussian_filter(known, sigma) + 1e-6
    )
    return _blend(image, fill, mask, rng)


def inpaint_texture(image, mask, donor, rng):
    """The region filled with nearby texture, smoothed at its seams (content-aware fill)."""
    shift = rng.integers(8, 24, 2) * rng.choice([-1, 1], 2)
    texture = ndimage.gaussian_filter(np.roll(image, tuple(shift), axis=(0, 1)), 0.6)
    return _blend(image, texture, mask, rng)


def blur(image, mask, donor, rng):
    return _blend(image, ndimage.gaussian_filter(image, rng.uniform(0.8, 3.0)), mask, rng)


def sharpen(image, mask, donor, rng):
    """Unsharp masking, as image editors apply it."""
    amount = rng.uniform(0.6, 2.0)
    blurred = ndimage.gaussian_filter(image, rng.uniform(0.8, 2.0))
    return _blend(image, np.clip(image + amount * (image - blurred), 0, 255), mask, rng)


def add_noise(image, mask, donor, rng):
    noisy = image + rng.normal(0, rng.uniform(2, 8), image.shape)
    return _blend(image, np.clip(noisy, 0, 255), mask, rng)


def denoise(image, mask, donor, rng):
    return _blend(image, ndimage.median_filter(image, int(rng.choice([3, 5]))), mask, rng)


def resample(image, mask, donor, rng):
    """The region's content rescaled (zoomed about the centre) and put back."""
    side = image.shape[0]
    scaled = resize(image, rng.uniform(1.15, 1.6))
    offset = (scaled.shape[0] - side) // 2
    return _blend(image, scaled[offset : offset + side, offset : offset + side], mask, rng)


EDITS: dict[str, Edit] = {
    "splice": splice,
    "copy_move": copy_move,
    "inpaint_smooth": inpaint_smooth,
    "inpaint_texture": inpaint_texture,
    "blur": blur,
    "sharpen": sharpen,
    "add_noise": add_noise,
    "denoise": denoise,
    "resample": resample,
}
# Kept out of training, so that validation measures edits the model never saw.
HELD_OUT = ("sharpen", "resample")


def make_edit(
    kind: str, image: np.ndarray, donor: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(edited image, its mask) for a square crop ``image`` in 8-bit units."""
    mask = random_shape(image.shape[0], rng)
    edited = EDITS[kind](image.astype(np.float32), mask, donor, rng)
    # Integer levels, as any saved image has them.
    return np.clip(np.rint(edited), 0, 255).astype(np.float32), mask
