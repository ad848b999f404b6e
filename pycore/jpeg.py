"""Decoding colour JPEGs to the same pixels in every runtime.

Pillow links libjpeg-turbo natively but IJG libjpeg 9 under Pyodide. Both give the same
luma and the same chroma planes, but libjpeg 9 upsamples chroma by DCT scaling and
converts colour slightly differently, so a 4:2:0 JPEG decodes to different RGB pixels in
the browser than on the command line, and every analysis would disagree between them.

So libjpeg only does what both versions do alike, producing the planes: luma at full size,
and chroma at its own (stored) resolution, which a half-scale decode yields for 4:2:0
files without any upsampling. The upsampling ("fancy", triangular: T. G. Lane, IJG
libjpeg jdsample.c) and the YCbCr to RGB conversion (JFIF 1.02, in libjpeg's fixed-point
form, jdcolor.c) are done here in integer numpy, matching libjpeg-turbo bit for bit.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image as PILImage

from .strips import row_strips

# libjpeg's limit on either side of a JPEG image.
JPEG_MAX_SIDE = 65500
# Pillow's subsampling code for 4:4:4 (no chroma subsampling).
_SUBSAMPLING_444 = 0
# libjpeg's fixed-point colour conversion: 16 fractional bits, rounding by adding one half.
_SCALE_BITS = 16
_ONE_HALF = 1 << (_SCALE_BITS - 1)


def _fixed(value: float) -> int:
    return int(value * (1 << _SCALE_BITS) + 0.5)


_CHROMA = np.arange(256, dtype=np.int64) - 128
_CR_TO_R = (_fixed(1.40200) * _CHROMA + _ONE_HALF) >> _SCALE_BITS
_CB_TO_B = (_fixed(1.77200) * _CHROMA + _ONE_HALF) >> _SCALE_BITS
_CR_TO_G = -_fixed(0.71414) * _CHROMA
_CB_TO_G = -_fixed(0.34414) * _CHROMA + _ONE_HALF


def near_block_grid(frequency: np.ndarray, tolerance: float) -> np.ndarray:
    """Whether frequencies (cycles per pixel) lie within ``tolerance`` of a multiple of 1/8.

    JPEG's 8x8 blocks put periodic energy exactly there.
    """
    return np.abs(frequency * 8 - np.rint(frequency * 8)) / 8 <= tolerance


def is_ycbcr_jpeg(picture: PILImage.Image) -> bool:
    """Whether an opened file is a JPEG (or MPO, as cameras write) with YCbCr colour."""
    return (
        picture.format in ("JPEG", "MPO")
        and picture.mode == "RGB"
        and len(getattr(picture, "layer", ())) == 3
        and picture.info.get("adobe_transform") != 0  # Adobe files may hold RGB, not YCbCr
    )


def decode_rgb(data: bytes) -> np.ndarray | None:
    """RGB pixels (height x width x 3, uint8) of a YCbCr JPEG, identical in every runtime.

    Returns None for what this route cannot rebuild: files that are not YCbCr JPEGs, and
    chroma subsampling other than 4:4:4 and 4:2:0 (4:2:2 planes cannot be had unscaled
    from libjpeg 9 and libjpeg-turbo alike), and 4:2:0 images less than 2 pixels wide or
    high. The caller then uses Pillow's decoder.
    """
    picture = PILImage.open(io.BytesIO(data))
    if not is_ycbcr_jpeg(picture):
        return None
    (_, luma_h, luma_v, _), *chroma = picture.layer
    if any((h, v) != (1, 1) for _, h, v, _ in chroma):
        return None
    if (luma_h, luma_v) == (1, 1):
        planes = _planes(data, picture.size)
        luma, blue, red = planes[:, :, 0], planes[:, :, 1], planes[:, :, 2]
    elif (luma_h, luma_v) == (2, 2) and min(picture.size) >= 2:
        # A copy, so that the other two full-size planes are freed at once.
        luma = _planes(data, picture.size)[:, :, 0].copy()
        half = _planes(data, (picture.width // 2, picture.height // 2))
        height, width = luma.shape
        if half.shape[:2] != ((height + 1) // 2, (width + 1) // 2):
            return None
        blue = _upsample_h2v2(half[:, :, 1])[:height, :width]
        red = _upsample_h2v2(half[:, :, 2])[:height, :width]
    else:
        return None
    return _ycbcr_to_rgb(luma, blue, red)


def luma_plane(data: bytes) -> np.ndarray | None:
    """The JPEG's luma (or only) channel exactly as the inverse DCT gives it (uint8), or
    None for files that store no luma (not JPEG, CMYK, RGB-coded).

    This is what the encoder quantised, before any colour conversion or upsampling, so
    its block DCT recovers the stored coefficients up to the decoder's rounding.
    """
    picture = PILImage.open(io.BytesIO(data))
    if picture.format in ("JPEG", "MPO") and picture.mode == "L":
        return np.asarray(picture)
    if is_ycbcr_jpeg(picture):
        return _planes(data, picture.size)[:, :, 0]
    return None


def luma_quantization(data: bytes) -> np.ndarray | None:
    """The 8x8 quantisation table of the first (luma) component, or None if not a JPEG."""
    picture = PILImage.open(io.BytesIO(data))
    tables = getattr(picture, "quantization", None)
    if not tables:
        return None
    table_id = picture.layer[0][3] if getattr(picture, "layer", None) else 0
    return np.array(tables[table_id], dtype=np.float64).reshape(8, 8)  # Pillow: natural order


def _planes(data: bytes, size: tuple[int, int]) -> np.ndarray:
    """Y, Cb, Cr as libjpeg outputs them at the scale ``size`` asks for (no colour conversion).

    Asking for half the size makes libjpeg decode luma with a 4x4 inverse DCT and chroma
    with the normal 8x8 one, so 4:2:0 chroma comes out at its stored resolution.
    """
    picture = PILImage.open(io.BytesIO(data))
    picture.draft("YCbCr", size)
    return np.asarray(picture)


def _upsample_h2v2(plane: np.ndarray) -> np.ndarray:
    """Double a chroma plane in both directions with libjpeg's triangular filter.

    Each output sample is 9/16, 3/16, 3/16, 1/16 of its four nearest input samples, with
    libjpeg's rounding (+8 and +7 alternating, so no direction is favoured) and the edge
    rows and columns repeated. Like libjpeg, planes two samples wide or less are only
    replicated.
    """
    if plane.shape[1] <= 2:
        return np.repeat(np.repeat(plane, 2, axis=0), 2, axis=1)
    height, width = plane.shape
    output = np.empty((2 * height, 2 * width), np.uint8)
    # A strip of rows at a time (the int32 temporaries of a whole 50-megapixel image would
    # take a gigabyte), each with its neighbours above and below: the same bits.
    for rows in row_strips(height):
        indices = np.arange(rows.start, rows.stop)
        samples = plane[rows].astype(np.int32)
        above = plane[np.maximum(indices - 1, 0)].astype(np.int32)
        below = plane[np.minimum(indices + 1, height - 1)].astype(np.int32)
        columns = np.empty((2 * len(indices), width), np.int32)
        columns[0::2] = 3 * samples + above
        columns[1::2] = 3 * samples + below
        left = np.concatenate([columns[:, :1], columns[:, :-1]], axis=1)
        right = np.concatenate([columns[:, 1:], columns[:, -1:]], axis=1)
        strip = output[2 * rows.start : 2 * rows.stop]
        strip[:, 0::2] = (3 * columns + left + 8) >> 4
        strip[:, 1::2] = (3 * columns + right + 7) >> 4
    return output


def _ycbcr_to_rgb(luma: np.ndarray, blue: np.ndarray, red: np.ndarray) -> np.ndarray:
    """JFIF YCbCr to RGB with libjpeg's fixed-point tables and clamping."""
    rgb = np.empty((*luma.shape, 3), np.uint8)
    # A strip of rows at a time: the 64-bit intermediates of a whole 50-megapixel image
    # would take gigabytes.
    for rows in row_strips(luma.shape[0]):
        y, cb, cr = luma[rows].astype(np.int64), blue[rows], red[rows]
        rgb[rows, :, 0] = np.clip(y + _CR_TO_R[cr], 0, 255)
        rgb[rows, :, 1] = np.clip(y + ((_CB_TO_G[cb] + _CR_TO_G[cr]) >> _SCALE_BITS), 0, 255)
        rgb[rows, :, 2] = np.clip(y + _CB_TO_B[cb], 0, 255)
    return rgb


def recompress(pixels: np.ndarray, quality: int) -> np.ndarray:
    """Encode 8-bit pixels as JPEG at ``quality`` and decode them again, in every runtime alike.

    ``pixels`` is height x width x 3 (colour) or x 1 (gray), and so is the result. Colour
    is saved at 4:4:4: full chroma resolution keeps chroma subsampling from posing as
    compression error, and it is the one setting every libjpeg encodes identically
    (libjpeg 9 in the browser downsamples chroma unlike libjpeg-turbo).
    """
    if max(pixels.shape[:2]) > JPEG_MAX_SIDE:
        raise ValueError(
            f"JPEG allows at most {JPEG_MAX_SIDE} pixels per side; this image "
            f"is {pixels.shape[1]} x {pixels.shape[0]}"
        )
    gray = pixels.shape[2] == 1
    picture = PILImage.fromarray(pixels[:, :, 0] if gray else pixels, "L" if gray else "RGB")
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=quality, subsampling=_SUBSAMPLING_444)
    encoded = buffer.getvalue()
    if gray:
        return np.asarray(PILImage.open(io.BytesIO(encoded)))[:, :, None]
    decoded = decode_rgb(encoded)
    if decoded is None:  # not reached for 4:4:4, which decode_rgb rebuilds
        decoded = np.asarray(PILImage.open(io.BytesIO(encoded)).convert("RGB"))
    return decoded
