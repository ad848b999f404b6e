"""PDFs: their embedded images come out by page (JPEGs with their own bytes), the command
line analyses each and finds a panel reused from one page on another, and broken or empty
PDFs give a clear message without stopping the other inputs."""

from __future__ import annotations

import hashlib
import io
import json

import numpy as np
import pytest
from PIL import Image as PILImage

from pycore import cli, load, pdf
from tests.synthetic import decode, encode, fine_texture, make_pdf


def manuscript() -> tuple[bytes, bytes, np.ndarray]:
    """Two pages: a JPEG figure on page 1; on page 2 a losslessly stored image and a
    quarter turn of the JPEG's content. Returns the PDF, the JPEG and the lossless pixels."""
    photo = np.clip(np.rint(fine_texture(240, 1)), 0, 255).astype(np.uint8)
    jpeg = encode(np.dstack([photo, np.roll(photo, 3, 1), photo[::-1]]), "JPEG", quality=90)
    other = np.clip(np.rint(fine_texture(200, 7)), 0, 255).astype(np.uint8)
    turned = np.ascontiguousarray(np.rot90(decode(jpeg)))
    return make_pdf([[jpeg], [other, turned]]), jpeg, other


def test_images_come_out_by_page_with_the_original_jpeg_bytes():
    data, jpeg, other = manuscript()
    assert pdf.is_pdf(data)
    images = pdf.extract_images(data, "paper.pdf")
    assert [(entry.name, entry.page) for entry in images] == [
        ("paper.pdf#page1-img1", 1),
        ("paper.pdf#page2-img1", 2),
        ("paper.pdf#page2-img2", 2),
    ]
    assert not any(entry.error for entry in images)
    assert hashlib.sha256(images[0].data).digest() == hashlib.sha256(jpeg).digest()
    stored = PILImage.open(io.BytesIO(images[1].data))
    assert stored.format == "PNG" and np.array_equal(np.asarray(stored), other)  # lossless
    assert load(images[2].data, images[2].name).width == 240


def test_the_commands_take_a_pdf_as_its_images(tmp_path, capsys):
    data, *_ = manuscript()
    paper = tmp_path / "paper.pdf"
    paper.write_bytes(data)
    assert cli.main(["analyze", str(paper), "--only", "metadata,ela", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [record["file"] for record in records] == [
        f"{paper}#page1-img1",
        f"{paper}#page2-img1",
        f"{paper}#page2-img2",
    ]
    assert all(set(record["analyses"]) == {"metadata", "ela"} for record in records)
    # The analyses see the embedded JPEG itself, quantisation tables and all.
    assert any(
        row["value"] == hashlib.sha256(pdf.extract_images(data, "p")[0].data).hexdigest()
        for row in records[0]["analyses"]["metadata"]["findings"]
    )
    assert any(
        "JPEG" in str(row["value"]) for row in records[0]["analyses"]["metadata"]["findings"]
    )

    assert cli.main(["duplicates", str(paper), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "suspicious"
    (pair,) = report["pairs"]
    files = {report["images"][pair[side]["image"]]["file"] for side in ("first", "second")}
    assert files == {f"{paper}#page1-img1", f"{paper}#page2-img2"}
    assert abs(abs(pair["transform"]["angle"]) - 90) < 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF", "not a readable"),
        (None, "holds no images"),
    ],
    ids=["broken", "no-images"],
)
def test_a_bad_pdf_gives_a_message_and_the_others_still_run(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(content if content is not None else make_pdf([[]]))
    good = tmp_path / "good.png"
    good.write_bytes(encode(np.full((64, 64), 128, np.uint8), "PNG"))
    assert cli.main(["analyze", str(bad), str(good), "--only", "metadata", "--json"]) == 1
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert records[0]["file"] == str(bad) and message in records[0]["error"]
    assert records[1]["file"] == str(good) and "analyses" in records[1]


def test_an_image_drawn_on_several_pages_is_listed_once():
    """A journal logo or a legend repeated on every page is one embedded image, not reuse."""
    from pypdf import PdfReader, PdfWriter

    page = PdfReader(io.BytesIO(make_pdf([[np.full((40, 50), 90, np.uint8)]]))).pages[0]
    writer = PdfWriter()
    writer.add_page(page)
    writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    assert [entry.name for entry in pdf.extract_images(out.getvalue(), "logo.pdf")] == [
        "logo.pdf#page1-img1"
    ]
