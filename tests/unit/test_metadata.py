"""The metadata analysis reports the file's facts and its camera/software tags."""

import hashlib
import io

import numpy as np
from PIL import Image as PILImage

from pycore import get, load
from tests.synthetic import encode, textured_rgb


def jpeg_with_exif() -> bytes:
    exif = PILImage.Exif()
    exif[0x010F] = "Acme Optics"  # Make
    exif[0x0110] = "Scope 3000"  # Model
    exif[0x0131] = "Adobe Photoshop 25.0"  # Software
    exif[0x0112] = 6  # Orientation: rotated 90 CW
    buffer = io.BytesIO()
    PILImage.fromarray(textured_rgb(48, 64)).save(buffer, "JPEG", exif=exif, dpi=(300, 300))
    return buffer.getvalue()


def rows(result):
    return {row["field"]: row["value"] for row in result.findings}


def test_reports_camera_and_software_tags():
    data = jpeg_with_exif()
    result = get("metadata").run_sync(load(data, "photo.jpg"))
    found = rows(result)
    assert found["Make"] == "Acme Optics"
    assert found["Model"] == "Scope 3000"
    assert found["Software"] == "Adobe Photoshop 25.0"
    assert found["Orientation"] == "rotated 90 CW"
    assert found["EXIF"].startswith("present")
    assert found["SHA-256"] == hashlib.sha256(data).hexdigest()
    assert found["Size"] == "64 x 48 pixels"
    assert found["Format"] == "JPEG"
    assert found["Resolution"] == "300 x 300 dpi"
    assert "Adobe Photoshop 25.0" in result.reason


def test_reports_bit_depth_stored_in_a_16_bit_colour_png():
    # Pillow decodes 16-bit colour PNGs to 8 bits; the file's own depth must still show.
    buffer = io.BytesIO()
    PILImage.fromarray(np.zeros((8, 8), np.uint16)).save(buffer, "PNG")
    deep_gray = rows(get("metadata").run_sync(load(buffer.getvalue(), "deep.png")))
    assert deep_gray["Bit depth"] == "16 bits per sample"
    assert deep_gray["EXIF"] == "absent"


def test_long_tag_values_are_cut_with_a_note():
    exif = PILImage.Exif()
    exif[0x010E] = "x" * 2000  # ImageDescription
    buffer = io.BytesIO()
    PILImage.fromarray(textured_rgb(16, 16)).save(buffer, "JPEG", exif=exif)
    found = rows(get("metadata").run_sync(load(buffer.getvalue(), "long.jpg")))
    assert found["ImageDescription"].endswith("(2000 characters in all)")
    assert len(found["ImageDescription"]) < 600


def test_warns_where_jpeg_pixels_depend_on_the_runtime():
    data = encode(textured_rgb(32, 32), "JPEG", subsampling=1)  # 4:2:2
    found = rows(get("metadata").run_sync(load(data, "422.jpg")))
    assert "may differ slightly between the page and the command line" in found["Decoding"]
    portable = rows(get("metadata").run_sync(load(encode(textured_rgb(32, 32), "JPEG"), "a.jpg")))
    assert "Decoding" not in portable
