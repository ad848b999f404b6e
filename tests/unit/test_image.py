"""pycore.load on every supported format, and clear errors for files it cannot read."""

import hashlib
import io

import numpy as np
import pytest
from PIL import Image as PILImage

from pycore import ImageLoadError, load
from pycore.image import _samples
from tests.synthetic import encode, textured_rgb

RGB = textured_rgb(64, 80)
GRAY = RGB[:, :, 1]


@pytest.mark.parametrize(
    ("format", "options"),
    [
        ("PNG", {}),
        ("TIFF", {}),
        ("TIFF", {"compression": "tiff_lzw"}),
        ("BMP", {}),
        ("WEBP", {"lossless": True}),
        ("GIF", {}),
    ],
)
def test_lossless_formats_give_the_exact_pixels(format, options):
    pixels = GRAY if format == "GIF" else RGB
    image = load(encode(pixels, format, **options), f"x.{format.lower()}")
    assert image.format == format
    assert (image.width, image.height) == (80, 64)
    expected = pixels[:, :, None] if pixels.ndim == 2 else pixels
    assert np.array_equal(image.pixels, expected) or (
        format == "GIF" and np.array_equal(image.pixels[:, :, 0], pixels)
    )
    assert image.bit_depth == 8


def test_jpeg_loads_close_to_the_original():
    image = load(encode(RGB, "JPEG", quality=95, subsampling=0), "x.jpg")
    assert image.format == "JPEG" and image.channels == 3
    assert np.abs(image.pixels.astype(int) - RGB).mean() < 2


def test_grayscale_png_keeps_one_channel():
    image = load(encode(GRAY, "PNG"), "g.png")
    assert image.channels == 1 and image.mode == "L"
    assert np.array_equal(image.gray(), GRAY.astype(np.float32))


@pytest.mark.parametrize("format", ["TIFF", "PNG"])
def test_16_bit_images_keep_their_depth(format):
    ramp = (np.arange(64 * 80, dtype=np.uint32).reshape(64, 80) * 13 % 65536).astype(np.uint16)
    buffer = io.BytesIO()
    PILImage.fromarray(ramp).save(buffer, format=format)
    image = load(buffer.getvalue(), f"deep.{format.lower()}")
    assert image.bit_depth == 16
    assert image.pixels.dtype == np.uint16
    assert np.array_equal(image.pixels[:, :, 0], ramp)
    # 8-bit units: full range maps to 0..255.
    assert np.allclose(image.unit()[:, :, 0], ramp / 257.0)
    preview = image.display_rgba()
    assert preview.shape == (64, 80, 4) and preview.dtype == np.uint8
    assert preview[:, :, :3].max() == 255 and preview[:, :, :3].min() == 0


def test_float_tiff_is_scaled_from_its_own_range():
    values = np.linspace(-1.0, 1.0, 64 * 80, dtype=np.float32).reshape(64, 80)
    buffer = io.BytesIO()
    PILImage.fromarray(values, mode="F").save(buffer, format="TIFF")
    image = load(buffer.getvalue(), "float.tif")
    assert image.bit_depth == 32
    assert image.unit().min() == 0 and np.isclose(image.unit().max(), 255)


def test_rgba_drops_alpha():
    rgba = np.dstack([RGB, np.full(RGB.shape[:2], 128, np.uint8)])
    image = load(encode(rgba, "PNG"), "a.png")
    assert image.channels == 3 and np.array_equal(image.pixels, RGB)


def test_16_bit_png_read_as_32_bit_integers_is_kept_16_bit():
    # Pillow 10 (the browser's) opens 16-bit grayscale PNGs in mode 'I'; the stored depth
    # decides, so both runtimes see uint16 samples.
    ramp = (np.arange(64 * 80, dtype=np.uint32).reshape(64, 80) * 13 % 65536).astype(np.uint16)
    buffer = io.BytesIO()
    PILImage.fromarray(ramp).save(buffer, format="PNG")
    as_int32 = PILImage.open(io.BytesIO(buffer.getvalue())).convert("I")
    samples, depth = _samples(as_int32, stored_depth=16)
    assert depth == 16 and samples.dtype == np.uint16
    assert np.array_equal(samples[:, :, 0], ramp)


def test_float_image_with_nan_and_infinity_is_scaled_from_its_finite_values():
    values = np.linspace(0.0, 1.0, 64 * 80, dtype=np.float32).reshape(64, 80)
    values[0, :3] = (np.nan, np.inf, -np.inf)
    buffer = io.BytesIO()
    PILImage.fromarray(values, mode="F").save(buffer, format="TIFF")
    image = load(buffer.getvalue(), "nan.tif")
    unit = image.unit()
    assert np.isfinite(unit).all() and unit.min() == 0 and np.isclose(unit.max(), 255)
    assert image.display_rgba().dtype == np.uint8
    all_nan = np.full((4, 4), np.nan, np.float32)
    buffer = io.BytesIO()
    PILImage.fromarray(all_nan, mode="F").save(buffer, format="TIFF")
    assert (load(buffer.getvalue(), "nan.tif").display_rgba()[:, :, :3] == 0).all()


def test_jpeg_pixels_are_portable_except_for_4_2_2():
    assert load(encode(RGB, "JPEG", subsampling=2), "420.jpg").portable
    assert load(encode(RGB, "JPEG", subsampling=0), "444.jpg").portable
    assert load(encode(GRAY, "JPEG"), "gray.jpg").portable
    assert not load(encode(RGB, "JPEG", subsampling=1), "422.jpg").portable


def test_animated_gif_gives_the_first_frame_and_counts_frames():
    frames = [PILImage.fromarray(GRAY), PILImage.fromarray(255 - GRAY)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    image = load(buffer.getvalue(), "anim.gif")
    assert image.frame_count == 2
    assert np.array_equal(image.pixels[:, :, 0], GRAY)


def test_sha256_is_of_the_file_bytes():
    data = encode(RGB, "PNG")
    assert load(data, "x.png").sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"this is not an image at all", "not an image format"),
        (encode(RGB, "PNG")[:400], "damaged or truncated"),
        (encode(RGB, "JPEG")[:600], "damaged or truncated"),
    ],
    ids=["empty", "text", "truncated-png", "truncated-jpeg"],
)
def test_unreadable_files_raise_a_clear_error(data, message):
    with pytest.raises(ImageLoadError, match=message) as caught:
        load(data, "broken.bin")
    assert "broken.bin" in str(caught.value)
