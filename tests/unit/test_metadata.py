"""Metadata and provenance on files the tests build: every record, tell and broken part."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageCms
from PIL.PngImagePlugin import PngInfo

from pycore import ImageLoadError, get, load
from pycore.quantization import estimate_quality
from pycore.structure import walk
from tests.credentials_signing import sign
from tests.synthetic import encode, textured_rgb

SCENE = textured_rgb(48, 64)
HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def analyse(data: bytes, name: str = "file"):
    return get("metadata").run_sync(load(data, name))


def field(result, name: str, section: str | None = None) -> str:
    values = [
        row["value"]
        for row in result.findings
        if row["field"] == name and (section is None or row["section"] == section)
    ]
    assert values, f"no {name!r} in {[row['field'] for row in result.findings]}"
    return values[0]


def with_app_segment(jpeg: bytes, marker: int, payload: bytes) -> bytes:
    """A JPEG with one more APPn segment right after SOI."""
    segment = bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def jpeg(**options) -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(SCENE).save(buffer, "JPEG", **options)
    return buffer.getvalue()


# ---- EXIF, GPS, XMP, IPTC, ICC ---------------------------------------------------------


def test_camera_and_software_tags_and_gps_position():
    exif = PILImage.Exif()
    exif[0x010F] = "Acme Optics"  # Make
    exif[0x0110] = "Scope 3000"  # Model
    exif[0x0131] = "Adobe Photoshop 25.0"  # Software
    exif[0x0112] = 6  # Orientation
    exif[0x8825] = {1: "N", 2: (52.0, 12.0, 30.0), 3: "W", 4: (4.0, 53.0, 0.0)}
    data = jpeg(exif=exif, dpi=(300, 300))
    result = analyse(data, "photo.jpg")
    assert field(result, "Make") == "Acme Optics"
    assert field(result, "Software") == "Adobe Photoshop 25.0"
    assert field(result, "Orientation") == "rotated 90 CW"
    assert field(result, "Position") == "52.208333, -4.883333"
    assert field(result, "SHA-256") == hashlib.sha256(data).hexdigest()
    assert field(result, "Resolution") == "300 x 300 dpi"
    # Editing software is listed, not held against the file.
    assert result.verdict is None and "Adobe Photoshop 25.0" in result.reason


def test_xmp_digital_source_type_says_generated():
    packet = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        "Iptc4xmpExt:DigitalSourceType="
        '"http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia" '
        'xmp:CreatorTool="&lt;script&gt;x&lt;/script&gt;"/></rdf:RDF></x:xmpmeta>'
    )
    data = with_app_segment(jpeg(), 0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + packet.encode())
    result = analyse(data)
    assert result.verdict == "suspicious"
    assert "trainedAlgorithmicMedia" in result.reason
    assert field(result, "xmp:CreatorTool") == "<script>x</script>"  # kept as text


def test_xmp_with_a_document_type_is_refused_not_parsed():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>'
    )
    result = analyse(with_app_segment(jpeg(), 0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + laughs))
    assert "declares a document type" in field(result, "XMP")


def iptc_segment(records: dict[tuple[int, int], bytes]) -> bytes:
    iptc = b"".join(
        b"\x1c" + bytes(key) + struct.pack(">H", len(value)) + value
        for key, value in records.items()
    )
    block = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iptc))
    return b"Photoshop 3.0\x00" + block + iptc + (b"\x00" if len(iptc) % 2 else b"")


def test_iptc_credit_naming_a_generator_is_a_tell():
    data = with_app_segment(
        jpeg(), 0xED, iptc_segment({(2, 110): b"Midjourney v6", (2, 80): b"A. Author"})
    )
    result = analyse(data)
    assert field(result, "Credit", "IPTC") == "Midjourney v6"
    assert field(result, "By-line") == "A. Author"
    assert result.verdict == "suspicious" and "Midjourney" in result.reason


def test_icc_profile_name():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    result = analyse(jpeg(icc_profile=profile))
    assert field(result, "Description", "ICC profile") == "sRGB built-in"
    assert field(result, "Colour space") == "RGB"


# ---- PNG text chunks written by generators ---------------------------------------------------


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        (
            {"parameters": "a cell, Steps: 30, Sampler: Euler a, CFG scale: 7, Seed: 1"},
            "Stable Diffusion web UI",
        ),
        ({"prompt": '{"3": {"class_type": "KSampler"}}', "workflow": "{}"}, "ComfyUI"),
        ({"Software": "NovelAI", "Comment": '{"steps": 28}'}, "NovelAI"),
    ],
    ids=["automatic1111", "comfyui", "novelai"],
)
def test_generator_text_chunks_are_tells(chunks, expected):
    info = PngInfo()
    for key, value in chunks.items():
        info.add_itxt(key, value) if key == "workflow" else info.add_text(key, value)
    buffer = io.BytesIO()
    PILImage.fromarray(SCENE).save(buffer, "PNG", pnginfo=info)
    result = analyse(buffer.getvalue())
    assert result.verdict == "suspicious"
    assert expected in result.reason


def test_generator_named_in_exif_software():
    exif = PILImage.Exif()
    exif[0x0131] = "Stable Diffusion XL"
    result = analyse(jpeg(exif=exif))
    assert result.verdict == "suspicious" and "Stable Diffusion" in result.reason


# ---- JPEG structure and quantisation ----------------------------------------------------------


def test_jpeg_structure_is_listed():
    result = analyse(jpeg(progressive=True, restart_marker_blocks=4, subsampling=2, quality=83))
    assert field(result, "Coding") == "SOF2 (progressive)"
    assert field(result, "Sampling factors") == "2x2, 1x1, 1x1"
    assert field(result, "Restart interval") == "4 MCUs"
    assert field(result, "Markers").startswith("SOI APP0(JFIF) DQT")
    assert "quality 83 (exact match)" in field(result, "Quality")
    table = field(result, "Table 0", "Quantisation")
    assert len(table.split(" / ")) == 8


def test_quality_of_tables_from_another_encoder_is_estimated():
    custom = [[max(1, (value * 3) // 4 + 1) for value in range(64)]]
    walked = walk(jpeg(qtables=custom))
    estimate = estimate_quality(walked.quantization)
    assert estimate is not None and not estimate.exact
    assert "not IJG's standard tables" in estimate.describe()


def test_comments_are_shown_as_text():
    result = analyse(jpeg(comment=HOSTILE.encode()))
    assert field(result, "Comment") == HOSTILE


# ---- Thumbnail, trailing data, broken structure ------------------------------------------------


def exif_with_thumbnail(thumbnail: bytes) -> bytes:
    """A hand-built EXIF block: IFD0 with Orientation, IFD1 pointing to a JPEG thumbnail."""
    tiff = bytearray(b"II*\x00" + struct.pack("<I", 8))
    tiff += struct.pack("<H", 1) + struct.pack("<HHII", 0x0112, 3, 1, 1) + struct.pack("<I", 26)
    start = 26 + 2 + 2 * 12 + 4
    tiff += struct.pack("<H", 2)
    tiff += struct.pack("<HHII", 0x0201, 4, 1, start) + struct.pack(
        "<HHII", 0x0202, 4, 1, len(thumbnail)
    )
    tiff += struct.pack("<I", 0) + thumbnail
    return b"Exif\x00\x00" + bytes(tiff)


def small_jpeg(pixels: np.ndarray, size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(pixels).resize(size).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_a_matching_thumbnail_is_no_tell_and_a_different_one_is():
    matching = with_app_segment(jpeg(), 0xE1, exif_with_thumbnail(small_jpeg(SCENE, (32, 24))))
    result = analyse(matching)
    assert field(result, "EXIF thumbnail") == "32 x 24 pixels"
    assert result.verdict is None

    other = textured_rgb(48, 64, seed=5)[::-1]
    edited = with_app_segment(jpeg(), 0xE1, exif_with_thumbnail(small_jpeg(other, (32, 24))))
    result = analyse(edited)
    assert result.verdict == "inconclusive" and "thumbnail" in result.reason
    cropped = with_app_segment(jpeg(), 0xE1, exif_with_thumbnail(small_jpeg(SCENE, (32, 32))))
    assert analyse(cropped).verdict == "inconclusive"


@pytest.mark.parametrize("format", ["JPEG", "PNG"])
def test_data_after_the_end_of_the_image(format):
    trailer = b"PK\x03\x04 a zip file appended"
    result = analyse(encode(SCENE, format) + trailer)
    assert field(result, "After the end of the image") == f"{len(trailer)} bytes"
    assert result.verdict == "inconclusive"


def test_broken_segments_give_findings_not_crashes():
    # An APP segment whose length runs past the end of the file is reported as such.
    broken = jpeg()[:2] + b"\xff\xe5\xff\xf0short"
    walked = walk(broken)
    assert walked.anomalies and "past the end of the file" in walked.anomalies[0]
    # A PNG chunk with a wrong CRC, and a zTXt chunk that would inflate to a huge text.
    png = encode(SCENE, "PNG")
    bomb = b"bomb\x00\x00" + zlib.compress(b"A" * 5_000_000, 9)
    chunk = struct.pack(">I", len(bomb)) + b"zTXt" + bomb
    chunk += struct.pack(">I", zlib.crc32(b"zTXt" + bomb) ^ 1)
    tampered = png[:33] + chunk + png[33:]
    anomalies = walk(tampered).anomalies
    assert any("CRC" in text for text in anomalies)
    assert any("expands past" in text for text in anomalies)
    with pytest.raises(ImageLoadError):  # Pillow refuses the file itself, with a message
        load(tampered, "bomb.png")


def test_long_and_invalid_utf8_values_are_cut_and_replaced():
    exif = PILImage.Exif()
    exif[0x010E] = "x" * 2000  # ImageDescription
    exif[0x013B] = b"\xff\xfe not utf-8 \xc3".decode("latin-1")  # Artist
    result = analyse(jpeg(exif=exif))
    assert field(result, "ImageDescription").endswith("(2000 characters in all)")
    assert "not utf-8" in field(result, "Artist")


def test_16_bit_colour_png_keeps_its_stored_depth():
    buffer = io.BytesIO()
    PILImage.fromarray(np.zeros((8, 8), np.uint16)).save(buffer, "PNG")
    result = analyse(buffer.getvalue(), "deep.png")
    assert field(result, "Bit depth") == "16 bits per sample"


def test_warns_where_jpeg_pixels_depend_on_the_runtime():
    assert "may differ slightly" in field(analyse(jpeg(subsampling=1)), "Decoding")


# ---- C2PA Content Credentials (real manifests, signed by c2pa-python) -------------------------


@pytest.mark.parametrize(("format", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png")])
def test_content_credentials_are_read_with_the_c2pa_sdk(format, mime):
    signed = sign(encode(SCENE, format), mime)
    result = analyse(signed, f"signed.{format.lower()}")
    assert field(result, "Claim generator") == "FigSleuth test generator 1.0"
    assert (
        field(result, "Action") == "c2pa.created (trainedAlgorithmicMedia) by Imaginary Diffusion 3"
    )
    assert field(result, "Signed by") == "FigSleuth Test Signer (FigSleuth tests)"
    assert field(result, "Validation") == "signature and hashes valid, signer not on a trust list"
    carrier = field(result, "Manifest store")
    assert carrier.startswith("JPEG APP11 JUMBF" if format == "JPEG" else "PNG caBX chunk")
    assert result.verdict == "suspicious" and "trainedAlgorithmicMedia" in result.reason


def test_content_credentials_of_an_altered_file_fail_validation():
    signed = sign(encode(SCENE, "PNG"), "image/png")
    text = b"Comment\x00added after signing"
    chunk = struct.pack(">I", len(text)) + b"tEXt" + text
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + text))
    altered = signed[:-12] + chunk + signed[-12:]  # before IEND: bytes the hash covers
    result = analyse(altered)
    assert field(result, "Validation").startswith("failed:")
