"""Decoding an input file into the one image type every analysis reads.

The original bytes travel with the decoded pixels: compression forensics and metadata
read the file as it was given, never a re-encoded copy.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from .jpeg import decode_rgb

# Pillow modes that decode to more than 8 bits per sample, with their bit depth.
_HIGH_DEPTH_MODES = {"I;16": 16, "I;16L": 16, "I;16B": 16, "I;16N": 16, "I": 32, "F": 32}


class ImageLoadError(ValueError):
    """The file could not be read as an image; the message says why, in plain words."""


@dataclass(frozen=True, eq=False)
class Image:
    """A decoded image and the bytes it came from.

    ``pixels`` is height x width x channels (1 or 3) in the file's own sample type
    (uint8, uint16, int32 or float32); an alpha channel is kept apart in ``alpha``.
    """

    name: str
    data: bytes = field(repr=False)
    format: str
    mode: str
    bit_depth: int
    pixels: np.ndarray = field(repr=False)
    alpha: np.ndarray | None = field(repr=False)
    frame_count: int

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def channels(self) -> int:
        return int(self.pixels.shape[2])

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def unit(self) -> np.ndarray:
        """Samples as float32 in 8-bit units (0..255), channels kept.

        Integer types are scaled by their full range (16-bit / 257), so the same scene
        stored at 8 or 16 bits gives the same numbers; 32-bit integer and float images
        have no fixed range and are scaled from their own minimum and maximum.
        """
        samples = self.pixels
        if samples.dtype == np.uint8:
            return samples.astype(np.float32)
        if samples.dtype == np.uint16:
            return samples.astype(np.float32) / np.float32(257.0)
        values = samples.astype(np.float64)
        finite = np.isfinite(values)
        if not finite.any():
            return np.zeros(samples.shape, np.float32)
        low, high = values[finite].min(), values[finite].max()
        span = high - low if high > low else 1.0
        values = np.where(finite, values, low)
        return ((values - low) * (255.0 / span)).astype(np.float32)

    def rgb8(self) -> np.ndarray:
        """The image as 8-bit RGB (height x width x 3), e.g. to re-encode it as JPEG."""
        samples = self.pixels
        if samples.dtype != np.uint8:
            samples = np.rint(self.unit()).astype(np.uint8)
        if samples.shape[2] == 1:
            samples = np.repeat(samples, 3, axis=2)
        return samples

    def display_rgba(self) -> np.ndarray:
        """Opaque 8-bit RGBA for the screen (height x width x 4).

        Deeper images are stretched between their 0.1 and 99.9 percentiles, as microscopy
        viewers do, because 12-bit data in a 16-bit file would otherwise look black. This
        is for display only: analyses read ``pixels``.
        """
        if self.pixels.dtype == np.uint8:
            rgb = self.rgb8()
        else:
            samples = self.pixels.astype(np.float32)
            low, high = np.nanpercentile(samples, (0.1, 99.9))
            span = high - low if high > low else 1.0
            stretched = np.clip((np.nan_to_num(samples, nan=low) - low) * (255.0 / span), 0, 255)
            rgb = np.rint(stretched).astype(np.uint8)
            if rgb.shape[2] == 1:
                rgb = np.repeat(rgb, 3, axis=2)
        rgba = np.empty((self.height, self.width, 4), np.uint8)
        rgba[:, :, :3] = rgb
        rgba[:, :, 3] = 255
        return rgba

    def gray(self) -> np.ndarray:
        """Luminance as float32 in 8-bit units, weighted as ITU-R BT.601 like Pillow's 'L'."""
        samples = self.unit()
        if samples.shape[2] == 1:
            return samples[:, :, 0]
        weights = np.array([0.299, 0.587, 0.114], np.float32)
        return samples @ weights


def load(data: bytes, name: str = "") -> Image:
    """Decode ``data`` (the complete file) into an :class:`Image`.

    Raises :class:`ImageLoadError` with a plain message for anything that is not a
    readable image: empty or truncated files, unknown formats, decompression bombs.
    Multi-frame files (animated GIF, multi-page TIFF) give their first frame.
    """
    data = bytes(data)
    if not data:
        raise ImageLoadError(f"{name or 'The file'} is empty (0 bytes).")
    try:
        pil = PILImage.open(io.BytesIO(data))
        pil.load()
    except UnidentifiedImageError as error:
        raise ImageLoadError(
            f"{name or 'The file'} is not an image format FigSleuth can read "
            "(PNG, JPEG, TIFF, WebP, BMP, GIF)."
        ) from error
    except PILImage.DecompressionBombError as error:
        raise ImageLoadError(
            f"{name or 'The image'} declares too many pixels to decode safely "
            f"(a possible decompression bomb): {error}"
        ) from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        # Pillow reports truncated and corrupt data as OSError/SyntaxError/ValueError.
        raise ImageLoadError(f"{name or 'The image'} is damaged or truncated: {error}") from error

    frame_count = int(getattr(pil, "n_frames", 1))
    pixels, alpha, bit_depth = _samples(pil)
    if pil.format == "JPEG":
        # The same pixels natively and in the browser, whichever libjpeg Pillow links.
        rgb = decode_rgb(data)
        if rgb is not None:
            pixels = rgb
    return Image(
        name=name,
        data=data,
        format=pil.format or "unknown",
        mode=pil.mode,
        bit_depth=bit_depth,
        pixels=pixels,
        alpha=alpha,
        frame_count=frame_count,
    )


def _samples(pil: PILImage.Image) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Pixels as height x width x channels, the alpha plane, and the bit depth."""
    mode = pil.mode
    if mode in _HIGH_DEPTH_MODES:
        samples = np.asarray(pil)
        if mode.startswith("I;16"):
            samples = samples.astype(np.uint16)
        return samples[:, :, None], None, _HIGH_DEPTH_MODES[mode]
    alpha = None
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in pil.info):
        rgba = pil.convert("RGBA") if mode != "LA" else pil
        alpha = np.asarray(rgba.getchannel("A"))
    if mode in ("1", "L", "LA", "I;8"):
        samples = np.asarray(pil.convert("L"))[:, :, None]
        return samples, alpha, 1 if mode == "1" else 8
    samples = np.asarray(pil.convert("RGB"))
    return samples, alpha, 8
