"""Synthetic test images with known content, made the same way by unit and browser tests."""

from __future__ import annotations

import io
import zlib

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw
from scipy import ndimage


def textured_rgb(height: int = 256, width: int = 256, seed: int = 0) -> np.ndarray:
    """A smooth, textured colour scene (blurred noise plus shapes), like a micrograph."""
    rng = np.random.default_rng(seed)
    base = ndimage.gaussian_filter(rng.normal(size=(height, width, 3)), sigma=(4, 4, 0))
    base = (base - base.min()) / (base.max() - base.min())
    yy, xx = np.mgrid[:height, :width]
    for _ in range(12):
        cy, cx, radius = rng.uniform(0, height), rng.uniform(0, width), rng.uniform(8, 30)
        base[(yy - cy) ** 2 + (xx - cx) ** 2 < radius**2] += rng.uniform(-0.3, 0.3, size=3)
    return np.clip(base * 200 + 30, 0, 255).astype(np.uint8)


def encode(pixels: np.ndarray, format: str, **options: object) -> bytes:
    """Pixels saved by Pillow in ``format`` (with Pillow's save ``options``)."""
    buffer = io.BytesIO()
    PILImage.fromarray(pixels).save(buffer, format=format, **options)
    return buffer.getvalue()


def decode(data: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB"))


def fine_texture(size: int, seed: int = 0) -> np.ndarray:
    """Gray detail at several scales (float, about 30..230): what keypoints need to find."""
    rng = np.random.default_rng(seed)
    detail = sum(
        ndimage.gaussian_filter(rng.normal(size=(size, size)), sigma) * sigma**1.2
        for sigma in (1, 2, 4, 8)
    )
    return (detail - detail.min()) / (detail.max() - detail.min()) * 200 + 30


def assemble_figure(
    panels: list[np.ndarray],
    columns: int,
    gutter: int = 10,
    background: int = 255,
    letters: bool = True,
) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Gray panels (any sizes, 0..255) set in a grid, row by row, as journals lay out
    figures; each panel lettered A, B, ... in the gutter above it (on the panel itself
    when the gutter is too narrow). Returns the 8-bit figure and each panel's box (left,
    top, right, bottom)."""
    rows = [panels[start : start + columns] for start in range(0, len(panels), columns)]
    heights = [max(panel.shape[0] for panel in row) for row in rows]
    widths = [
        max(row[column].shape[1] for row in rows if column < len(row)) for column in range(columns)
    ]
    label = 12 if letters and gutter >= 12 else 0  # room for a letter above each row
    height = sum(heights) + len(rows) * (gutter + label) + gutter
    figure = np.full((height, sum(widths) + (columns + 1) * gutter), float(background))
    boxes = []
    top = gutter + label
    for row, height in zip(rows, heights, strict=True):
        left = gutter
        for column, panel in enumerate(row):
            figure[top : top + panel.shape[0], left : left + panel.shape[1]] = panel
            boxes.append((left, top, left + panel.shape[1], top + panel.shape[0]))
            left += widths[column] + gutter
        top += height + gutter + label
    picture = PILImage.fromarray(np.clip(np.rint(figure), 0, 255).astype(np.uint8))
    if letters:
        draw = ImageDraw.Draw(picture)
        ink = 0 if background > 127 else 255
        for index, (left, top, _, _) in enumerate(boxes):
            place = (left, top - label) if label else (left + 3, top + 2)
            draw.text(place, chr(ord("A") + index), fill=ink if label else 255)
    return np.asarray(picture), boxes


def make_pdf(pages: list[list[bytes | np.ndarray]]) -> bytes:
    """A PDF with the given images, one list per page: JPEG bytes are embedded as they are
    (DCTDecode), pixel arrays (8-bit gray or RGB) compressed with FlateDecode. Each image is
    drawn side by side on its page. A plain writer, so the tests know exactly what is in it."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(dictionary: str, data: bytes) -> int:
        return add(
            f"<< {dictionary} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"
        )

    pages_id = add(b"")  # filled in below, once the pages are known
    page_ids = []
    for images in pages:
        names, drawing, left = [], [], 0
        for index, image in enumerate(images, start=1):
            if isinstance(image, bytes):
                width, height = PILImage.open(io.BytesIO(image)).size
                mode = PILImage.open(io.BytesIO(image)).mode
                space = "/DeviceGray" if mode == "L" else "/DeviceRGB"
                filters, data = "/DCTDecode", image
            else:
                height, width = image.shape[:2]
                space = "/DeviceGray" if image.ndim == 2 else "/DeviceRGB"
                filters, data = "/FlateDecode", zlib.compress(np.ascontiguousarray(image).tobytes())
            image_id = stream(
                f"/Type /XObject /Subtype /Image /Width {width} /Height {height} "
                f"/ColorSpace {space} /BitsPerComponent 8 /Filter {filters}",
                data,
            )
            names.append(f"/Im{index} {image_id} 0 R")
            drawing.append(f"q {width} 0 0 {height} {left} 0 cm /Im{index} Do Q")
            left += width
        content_id = stream("", " ".join(drawing).encode())
        page_ids.append(
            add(
                f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {max(left, 1)} 1000] "
                f"/Resources << /XObject << {' '.join(names)} >> >> "
                f"/Contents {content_id} 0 R >>".encode()
            )
        )
    kids = " ".join(f"{page_id} 0 R" for page_id in page_ids)
    objects[pages_id - 1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode()
    catalog_id = add(f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode())
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root {catalog_id} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()
