"""Synthetic test images with known content, made the same way by unit and browser tests."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image as PILImage
from scipy import ndimage


def textured_rgb(height: int = 256, width: int = 256, seed: int = 0) -> np.ndarray:
    """A smooth, textured colour scene (blurred noise plus shapes), like a micrograph."""
    rng = np.random.default_rng(seed)
    base = ndimage.gaussian_filter(rng.normal(size=(height, width, 3)), sigma=(4, 4, 0))
    base = (base - base.min()) / (base.max() - base.min())
    yy, xx = np.mgrid[:height, :width]
    for _ in range(12):
        cy, cx, radius = rng.uniform(0, height), rng.uniform(0, width), rng.uniform(8, 30)
        base[(yy - cy) ** 2 + (xx - cx) ** 2 < radius**2] += rng.uniform(-0.3, 0.3, size=3)
    return np.clip(base * 200 + 30, 0, 255).astype(np.uint8)


def encode(pixels: np.ndarray, format: str, **options: object) -> bytes:
    """Pixels saved by Pillow in ``format`` (with Pillow's save ``options``)."""
    buffer = io.BytesIO()
    PILImage.fromarray(pixels).save(buffer, format=format, **options)
    return buffer.getvalue()


def decode(data: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB"))


def fine_texture(size: int, seed: int = 0) -> np.ndarray:
    """Gray detail at several scales (float, about 30..230): what keypoints need to find."""
    rng = np.random.default_rng(seed)
    detail = sum(
        ndimage.gaussian_filter(rng.normal(size=(size, size)), sigma) * sigma**1.2
        for sigma in (1, 2, 4, 8)
    )
    return (detail - detail.min()) / (detail.max() - detail.min()) * 200 + 30
