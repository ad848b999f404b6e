"""The EXIF thumbnail, and whether it still shows the image it came with.

Method: a camera writes a small JPEG of the captured image into EXIF (IFD1,
JPEGInterchangeFormat, CIPA DC-008); editors that change the image often leave it as it
was (J. Kee and H. Farid, "Digital image authentication from thumbnails", SPIE 2010, use
this). The main image is shrunk to the thumbnail's size and compared: a different aspect
ratio, or low correlation of the two, means the image was changed after capture.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import ExifTags
from PIL import Image as PILImage

_EXIF_HEADER = b"Exif\x00\x00"


@dataclass(frozen=True)
class Comparison:
    width: int
    height: int
    aspect_difference: float  # relative difference of width / height
    correlation: float  # of the gray levels, main image shrunk to the thumbnail's size


def exif_thumbnail(pil: PILImage.Image) -> bytes | None:
    """The JPEG bytes of the EXIF thumbnail, if the file has one within its EXIF block."""
    raw = pil.info.get("exif")
    if not isinstance(raw, bytes) or not raw.startswith(_EXIF_HEADER):
        return None
    try:
        first = pil.getexif().get_ifd(ExifTags.IFD.IFD1)
    except (KeyError, ValueError, OSError, SyntaxError):
        return None
    offset, length = first.get(0x0201), first.get(0x0202)
    if not isinstance(offset, int) or not isinstance(length, int) or length <= 0:
        return None
    start = len(_EXIF_HEADER) + offset
    thumbnail = raw[start : start + length]
    return thumbnail if len(thumbnail) == length and thumbnail.startswith(b"\xff\xd8") else None


def compare(thumbnail: bytes, rgb: np.ndarray) -> Comparison:
    """How well the main image (8-bit RGB) matches its thumbnail. Raises OSError if the
    thumbnail cannot be decoded."""
    small = PILImage.open(io.BytesIO(thumbnail)).convert("L")
    small.load()
    main = PILImage.fromarray(rgb).convert("L")
    aspect_main = main.width / main.height
    aspect_thumb = small.width / small.height
    shrunk = np.asarray(main.resize(small.size, PILImage.Resampling.BOX), dtype=np.float64)
    thumb = np.asarray(small, dtype=np.float64)
    if shrunk.std() == 0 or thumb.std() == 0:
        correlation = 1.0 if np.allclose(shrunk, thumb, atol=8) else 0.0
    else:
        correlation = float(np.corrcoef(shrunk.ravel(), thumb.ravel())[0, 1])
    return Comparison(small.width, small.height, abs(aspect_main / aspect_thumb - 1.0), correlation)
