"""The images embedded in a PDF, each as a file the analyses can open.

A manuscript's figures reach FigSleuth inside a PDF. pypdf (the well-kept pure-Python PDF
library, which Pyodide runs as it is) walks each page's image XObjects. DCT-encoded
(JPEG) images keep the bytes the authors embedded, so the JPEG analyses read the real
quantisation tables and coefficients; images stored with other filters are decoded by
pypdf and handed on as lossless PNG. An image object drawn on several pages (a journal
logo, a repeated legend) is listed once: it is one embedded file, not a duplicate. Names
follow the command-line contract: ``paper.pdf#page3-img2``.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

PDF_MAGIC = b"%PDF-"


class PdfError(ValueError):
    """A PDF that cannot be opened at all (broken, or encrypted with a password)."""


@dataclass(frozen=True)
class EmbeddedImage:
    """One image of a PDF: its name, page (from 1), and file bytes, or why it could not be
    extracted (``data`` empty)."""

    name: str
    page: int
    data: bytes
    error: str = ""


def is_pdf(data: bytes) -> bool:
    """Whether the bytes are a PDF (readers accept the header within the first kilobyte)."""
    return PDF_MAGIC in data[:1024]


def extract_images(data: bytes, file_name: str) -> list[EmbeddedImage]:
    """Every image embedded in the PDF, page by page; an image that cannot be extracted
    comes with its error and the others still do."""
    from pypdf import PdfReader  # only PDFs need it
    from pypdf.errors import PdfReadError

    # pypdf logs what it repairs on its own; a broken image is reported per image instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfError(f"{file_name} is encrypted with a password; open it and save a copy")
        pages = list(reader.pages)
    except PdfError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, NotImplementedError) as error:
        raise PdfError(f"{file_name} is not a readable PDF ({error})") from error
    found: list[EmbeddedImage] = []
    seen: set[tuple[int, int]] = set()
    for page_number, page in enumerate(pages, start=1):
        try:
            images = list(page.images)
        except Exception as error:  # pypdf raises many kinds on broken pages
            found.append(
                EmbeddedImage(f"{file_name}#page{page_number}", page_number, b"", _why(error))
            )
            continue
        for index, image in enumerate(images, start=1):
            name = f"{file_name}#page{page_number}-img{index}"
            reference = image.indirect_reference
            if reference is not None:
                key = (reference.idnum, reference.generation)
                if key in seen:
                    continue
                seen.add(key)
            try:
                found.append(EmbeddedImage(name, page_number, _file_bytes(image)))
            except Exception as error:  # one broken image never stops the rest
                found.append(EmbeddedImage(name, page_number, b"", _why(error)))
    return found


def _file_bytes(image: Any) -> bytes:
    """The embedded JPEG as it is (pypdf's own ``data`` is re-encoded), else the decoded
    image as PNG."""
    if image.indirect_reference is not None:  # inline images have none, and are never JPEG
        stream = image.indirect_reference.get_object()
        filters = stream.get("/Filter")
        chain = list(filters) if isinstance(filters, list) else [filters]
        if chain and chain[-1] == "/DCTDecode":
            data = stream.get_data()  # undoes any filter before DCTDecode, keeps the JPEG
            if data[:2] == b"\xff\xd8":
                return data
    buffer = io.BytesIO()
    image.image.save(buffer, "PNG")
    return buffer.getvalue()


def _why(error: Exception) -> str:
    return f"image could not be extracted ({type(error).__name__}: {error})"
