"""Bad and unusual input, all in one batch through the command line: each file gives a
clear JSON error or a full record, and none stops the others (issue: cannot be broken by a
file)."""

import io
import json
import zlib

import numpy as np
from PIL import Image as PILImage

from pycore import ANALYSES
from tests.synthetic import encode, make_pdf, textured_rgb
from tests.unit.test_cli import run_cli


def png_bomb(side: int = 40_000) -> bytes:
    """A valid PNG header declaring side x side pixels, with a few KB of compressed zeros."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
        )

    header = side.to_bytes(4, "big") * 2 + bytes([1, 0, 0, 0, 0])  # 1-bit gray
    rows = zlib.compress(b"\0" * (side // 8 + 1) * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def saved(image: PILImage.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def frames(count: int) -> list[PILImage.Image]:
    return [PILImage.fromarray(textured_rgb(40, 50, seed=index)) for index in range(count)]


def inputs() -> dict[str, tuple[bytes, str | None]]:
    """name -> (bytes, None for a readable file or a word the error must contain)."""
    rgb = textured_rgb(48, 64)
    gray16 = rgb[:, :, 0].astype(np.uint16) * 257
    exif = PILImage.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to display
    first, *rest = frames(3)
    palette = PILImage.fromarray(rgb).convert("P", palette=PILImage.Palette.ADAPTIVE)
    palette.info["transparency"] = 0
    return {
        "empty.png": (b"", "empty"),
        "truncated.jpg": (encode(rgb, "JPEG", quality=90)[:300], "truncated"),
        "truncated.png": (encode(rgb, "PNG")[:120], "truncated"),
        "photo.png": (encode(rgb, "JPEG", quality=90), None),  # a JPEG named .png
        "drawing.svg": (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "not an image"),
        "bomb.png": (png_bomb(), "too many pixels"),
        "deep.tif": (encode(gray16, "TIFF"), None),
        "float.tif": (saved(PILImage.fromarray(rgb[:, :, 1].astype(np.float32)), "TIFF"), None),
        "pages.tif": (saved(first, "TIFF", save_all=True, append_images=rest), None),
        "cmyk.jpg": (saved(PILImage.fromarray(rgb).convert("CMYK"), "JPEG", quality=90), None),
        "palette.png": (saved(palette, "PNG"), None),
        "animated.gif": (saved(first, "GIF", save_all=True, append_images=rest), None),
        "dot.png": (encode(np.zeros((1, 1, 3), np.uint8), "PNG"), None),
        "turned.jpg": (saved(PILImage.fromarray(rgb), "JPEG", quality=90, exif=exif), None),
        "broken.pdf": (
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF",
            "PDF",
        ),
        "paper.pdf": (make_pdf([[rgb]]), None),
    }


def test_every_bad_input_gives_a_clear_error_and_the_rest_run(tmp_path):
    cases = inputs()
    paths = []
    for name, (data, _) in cases.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    done = run_cli("analyze", "--json", *map(str, paths))
    assert done.returncode == 1, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    by_file = {record["file"].split("/")[-1]: record for record in records}
    defaults = {entry.id for entry in ANALYSES.values() if entry.default}
    for name, (_, error_word) in cases.items():
        key = "paper.pdf#page1-img1" if name == "paper.pdf" else name
        record = by_file[key]
        if error_word:
            assert error_word in record["error"], (name, record["error"])
            assert "Traceback" not in record["error"]
        else:
            assert "error" not in record, (name, record)
            failed = {k: v for k, v in record["analyses"].items() if "error" in v}
            assert not failed, (name, failed)
            assert set(record["analyses"]) == defaults
    # Multi-frame files: the first frame, and said so.
    for name in ("pages.tif", "animated.gif"):
        sheet = by_file[name]["analyses"]["metadata"]["findings"]
        assert any(row.get("value") == "3 (the first is analysed)" for row in sheet), name
