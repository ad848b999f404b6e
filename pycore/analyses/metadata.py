"""File metadata: format, geometry, sample depth, EXIF camera and software tags, SHA-256.

Method: reading the container's own records (EXIF 2.32, CIPA DC-008; the PNG and TIFF
specifications) as Pillow exposes them. What the file says about its origin is the first
thing an investigator checks (H. Farid, "Photo Forensics", MIT Press 2016, ch. 3); it is
easily edited, so it supports other evidence rather than replacing it.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import ExifTags
from PIL import Image as PILImage

from ..image import Image
from ..registry import analysis
from ..result import Result

# EXIF tags an investigator reads first, in the order they are shown.
_CAMERA_TAGS = (
    "Make",
    "Model",
    "Software",
    "DateTime",
    "Artist",
    "HostComputer",
    "ImageDescription",
    "Copyright",
)
_EXIF_IFD_TAGS = ("DateTimeOriginal", "DateTimeDigitized", "LensModel", "BodySerialNumber")
_ORIENTATIONS = {
    1: "normal",
    2: "mirrored",
    3: "rotated 180",
    4: "flipped",
    5: "mirrored, 90 CW",
    6: "rotated 90 CW",
    7: "mirrored, 90 CCW",
    8: "rotated 90 CCW",
}
_NOT_PORTABLE = (
    "by this runtime's libjpeg (this chroma subsampling is upsampled differently by each "
    "libjpeg): pixel values, and so numbers, may differ slightly between the page and the "
    "command line"
)
# The longest text shown from a tag; longer values are cut with a note, never dropped silently.
_MAX_TEXT = 500


@analysis(
    id="metadata",
    title="Metadata",
    group="provenance",
    help=(
        "What the file says about itself: its format, size and sample depth, the camera and "
        "software tags, and its SHA-256 fingerprint (the same file always gives the same "
        "fingerprint). Editing software in the tags shows the file was saved by that program. "
        "Common false alarms: figures are normally exported from ImageJ, Photoshop or "
        "PowerPoint, so their names alone prove nothing; missing tags prove nothing either, "
        "as most tools strip them."
    ),
)
def metadata(image: Image) -> Result:
    rows: list[dict[str, Any]] = [
        {"field": "File name", "value": image.name or "(none)"},
        {"field": "File size", "value": f"{len(image.data):,} bytes"},
        {"field": "SHA-256", "value": image.sha256},
        {"field": "Format", "value": image.format},
        {"field": "Size", "value": f"{image.width} x {image.height} pixels"},
        {"field": "Colour mode", "value": image.mode},
    ]
    stored_depth = image.stored_bit_depth
    depth = f"{image.bit_depth} bits per sample"
    if stored_depth and stored_depth != image.bit_depth:
        depth = f"{stored_depth} bits per sample in the file, analysed as {image.bit_depth}"
    rows.append({"field": "Bit depth", "value": depth})
    if not image.portable:
        rows.append({"field": "Decoding", "value": _NOT_PORTABLE})
    if image.frame_count > 1:
        rows.append({"field": "Frames", "value": f"{image.frame_count} (the first is analysed)"})

    pil = PILImage.open(io.BytesIO(image.data))
    dpi = pil.info.get("dpi")
    if dpi:
        rows.append({"field": "Resolution", "value": f"{float(dpi[0]):g} x {float(dpi[1]):g} dpi"})
    if pil.info.get("icc_profile"):
        rows.append({"field": "ICC profile", "value": "present"})

    exif = pil.getexif()
    tags = _exif_tags(exif)
    rows.append({"field": "EXIF", "value": f"present, {len(tags)} tags" if tags else "absent"})
    rows.extend(
        {"field": name, "value": _text(tags[name])} for name in _CAMERA_TAGS if name in tags
    )
    exif_ifd = _exif_tags(exif.get_ifd(ExifTags.IFD.Exif)) if tags else {}
    rows.extend(
        {"field": name, "value": _text(exif_ifd[name])}
        for name in _EXIF_IFD_TAGS
        if name in exif_ifd
    )
    if "Orientation" in tags:
        orientation = tags["Orientation"]
        rows.append(
            {
                "field": "Orientation",
                "value": _ORIENTATIONS.get(orientation, f"unknown ({orientation})"),
            }
        )

    software = tags.get("Software")
    reason = "File facts only, no verdict: "
    reason += f"saved by {_text(software)}." if software else "no software tag."
    return Result(reason=reason, findings=rows)


def _exif_tags(ifd: Any) -> dict[str, Any]:
    """EXIF tag names to values for one directory."""
    return {ExifTags.TAGS.get(tag, f"Tag 0x{tag:04x}"): value for tag, value in ifd.items()}


def _text(value: Any) -> str:
    """A tag value as plain text, cut to a readable length."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = str(value).strip("\x00 ").strip()
    if len(text) > _MAX_TEXT:
        return text[:_MAX_TEXT] + f"... ({len(text)} characters in all)"
    return text
