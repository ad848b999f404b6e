"""Decoding an input file into the one image type every analysis reads.

The original bytes travel with the decoded pixels: compression forensics and metadata
read the file as it was given, never a re-encoded copy.
"""

from __future__ import annotations

import hashlib
import io
import struct
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from .jpeg import decode_rgb, is_ycbcr_jpeg
from .strips import row_strips

# Pillow modes that decode to more than 8 bits per sample, with their bit depth.
_HIGH_DEPTH_MODES = {"I;16": 16, "I;16L": 16, "I;16B": 16, "I;16N": 16, "I": 32, "F": 32}
# ITU-R BT.601 luma weights, as JPEG's Y channel and Pillow's 'L'.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)


class ImageLoadError(ValueError):
    """The file could not be read as an image; the message says why, in plain words."""


@dataclass(frozen=True, eq=False)
class Image:
    """A decoded image and the bytes it came from.

    ``pixels`` is height x width x channels (1 or 3) in the file's own sample type
    (uint8, uint16, int32 or float32); alpha is dropped. ``portable`` says whether the
    pixels are the same in every runtime (False only for colour JPEG layouts that each
    libjpeg upsamples its own way, see pycore.jpeg).
    """

    name: str
    data: bytes = field(repr=False)
    format: str
    mode: str
    bit_depth: int
    stored_bit_depth: int | None
    pixels: np.ndarray = field(repr=False)
    frame_count: int
    portable: bool

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

    def unit(self, channel: int | None = None) -> np.ndarray:
        """Samples as float64 in 8-bit units (0..255), channels kept, or only ``channel``
        (height x width: a third of the memory, for a large image).

        Integer types are scaled by their full range (16-bit / 257), so the same scene
        stored at 8 or 16 bits gives the same numbers; 32-bit integer and float images
        have no fixed range and are scaled from their own finite minimum and maximum
        over all channels (not-a-number and infinite samples become 0).
        """
        samples = self.pixels
        if samples.dtype in (np.uint8, np.uint16):
            if channel is not None:
                samples = samples[:, :, channel]
            return samples.astype(np.float64) if samples.dtype == np.uint8 else samples / 257.0
        stretched = _stretch(samples, 0.0, 100.0)
        return stretched if channel is None else stretched[:, :, channel]

    def rgb8(self) -> np.ndarray:
        """The image as 8-bit RGB (height x width x 3), e.g. to re-encode it as JPEG."""
        samples = self.pixels
        if samples.dtype != np.uint8:
            samples = np.rint(self.unit()).astype(np.uint8)
        if samples.shape[2] == 1:
            samples = np.repeat(samples, 3, axis=2)
        return samples

    def gray(self) -> np.ndarray:
        """Luminance as float64 in 8-bit units (BT.601 weights for colour images).

        Computed once per image and shared by the analyses, so it is read-only.
        """
        return self._gray

    @cached_property
    def _gray(self) -> np.ndarray:
        samples = self.pixels
        if samples.dtype in (np.uint8, np.uint16):
            # Straight from the stored samples, a channel at a time: no float copy of all
            # three channels at once.
            scale = 1.0 if samples.dtype == np.uint8 else 1.0 / 257.0
            if samples.shape[2] == 1:
                gray = samples[:, :, 0] * scale
            else:
                gray = luma(samples)
                gray *= scale  # in place: no second full-size copy
        else:
            unit = self.unit()
            gray = unit[:, :, 0] if unit.shape[2] == 1 else luma(unit)
        gray = np.ascontiguousarray(gray, dtype=np.float64)
        gray.setflags(write=False)
        return gray

    def display_rgba(self) -> np.ndarray:
        """Opaque 8-bit RGBA for the screen (height x width x 4).

        Deeper images are stretched between their 0.1 and 99.9 percentiles, as microscopy
        viewers do, because 12-bit data in a 16-bit file would otherwise look black. This
        is for display only: analyses read ``pixels``.
        """
        if self.pixels.dtype == np.uint8:
            rgb = self.rgb8()
        else:
            rgb = np.rint(_stretch(self.pixels, 0.1, 99.9)).astype(np.uint8)
            if rgb.shape[2] == 1:
                rgb = np.repeat(rgb, 3, axis=2)
        rgba = np.empty((self.height, self.width, 4), np.uint8)
        rgba[:, :, :3] = rgb
        rgba[:, :, 3] = 255
        return rgba


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma of height x width x 3 samples, in float64.

    Written as elementwise products rather than a matrix product so that no BLAS is
    involved and the browser and native runs give the same bits.
    """
    out = np.empty(rgb.shape[:2], np.float64)
    # A strip of rows at a time: float64 copies of a whole 50-megapixel image's channels
    # would take gigabytes. Each element is computed as it would be at once (same bits).
    for rows in row_strips(rgb.shape[0]):
        red, green, blue = (rgb[rows, :, channel].astype(np.float64) for channel in range(3))
        out[rows] = LUMA_WEIGHTS[0] * red + LUMA_WEIGHTS[1] * green + LUMA_WEIGHTS[2] * blue
    return out


def _stretch(samples: np.ndarray, low_percent: float, high_percent: float) -> np.ndarray:
    """Map the finite samples' [low, high] percentiles to 0..255, clipped; others become 0."""
    values = samples.astype(np.float64)
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(samples.shape, np.float64)
    low, high = np.percentile(values[finite], (low_percent, high_percent))
    span = high - low if high > low else 1.0
    scaled = np.clip((np.where(finite, values, low) - low) * (255.0 / span), 0.0, 255.0)
    return scaled


def load(data: bytes, name: str = "") -> Image:
    """Decode ``data`` (the complete file) into an :class:`Image`.

    Raises :class:`ImageLoadError` with a plain message for anything that is not a
    readable image: empty or truncated files, unknown formats, decompression bombs.
    Multi-frame files (animated GIF, multi-page TIFF) give their first frame.
    """
    data = bytes(data)
    label = name or "The file"
    if not data:
        raise ImageLoadError(f"{label} is empty (0 bytes).")
    try:
        pil = PILImage.open(io.BytesIO(data))
        stored_depth = stored_bit_depth(pil, data)
        # YCbCr JPEGs are rebuilt from their planes, the same in every runtime.
        rgb = decode_rgb(data) if is_ycbcr_jpeg(pil) else None
        if rgb is None:
            pil.load()
            pixels, bit_depth = _samples(pil, stored_depth)
        else:
            pixels, bit_depth = rgb, 8
        # Counting frames reads every later frame's header, which may be the broken part.
        frame_count = int(getattr(pil, "n_frames", 1))
    except UnidentifiedImageError as error:
        raise ImageLoadError(
            f"{label} is not an image format FigSleuth can read (PNG, JPEG, TIFF, WebP, BMP, GIF)."
        ) from error
    except PILImage.DecompressionBombError as error:
        raise ImageLoadError(
            f"{label} declares too many pixels to decode safely (a possible decompression "
            f"bomb): {error}"
        ) from error
    except (
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        TypeError,
        KeyError,
        IndexError,
        ArithmeticError,
        struct.error,
    ) as error:
        # Pillow reports truncated and corrupt data as OSError/SyntaxError/ValueError, and
        # malformed headers as any of the others (tests/unit/test_fuzz.py finds them).
        raise ImageLoadError(f"{label} is damaged or truncated: {error}") from error
    return Image(
        name=name,
        data=data,
        format=pil.format or "unknown",
        # Pillow 10 names 16-bit grayscale PNGs 'I': use one name whichever Pillow decoded.
        mode="I;16" if pil.mode == "I" and bit_depth == 16 else pil.mode,
        bit_depth=bit_depth,
        stored_bit_depth=stored_depth,
        pixels=pixels,
        frame_count=frame_count,
        portable=rgb is not None or not is_ycbcr_jpeg(pil),
    )


def stored_bit_depth(pil: PILImage.Image, data: bytes) -> int | None:
    """Bits per sample as the file declares them (PNG and TIFF), else None.

    Pillow may decode to another depth: 16-bit colour PNGs become 8-bit RGB, and
    Pillow 10 reads 16-bit grayscale PNGs as 32-bit integers ('I').
    """
    if pil.format == "PNG" and len(data) > 24:
        return data[24]  # the IHDR chunk's bit depth field
    if pil.format == "TIFF":
        bits = pil.tag_v2.get(258)  # BitsPerSample
        if bits:
            return int(bits[0] if isinstance(bits, tuple) else bits)
    return None


def _samples(pil: PILImage.Image, stored_depth: int | None) -> tuple[np.ndarray, int]:
    """Pixels as height x width x channels, and their bit depth."""
    mode = pil.mode
    if mode in _HIGH_DEPTH_MODES:
        samples = np.asarray(pil)
        depth = _HIGH_DEPTH_MODES[mode]
        if mode.startswith("I;16") or (mode == "I" and stored_depth == 16):
            samples, depth = samples.astype(np.uint16), 16
        return samples[:, :, None], depth
    if mode in ("1", "L", "LA", "I;8"):
        return np.asarray(pil.convert("L"))[:, :, None], 1 if mode == "1" else 8
    return np.asarray(pil.convert("RGB")), 8
