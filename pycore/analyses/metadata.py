"""Metadata and provenance: what the file itself says about where it came from.

Method: reading the file's own records - EXIF 2.32 (CIPA DC-008) with GPS and the
thumbnail, XMP (ISO 16684-1), IPTC IIM, the ICC profile (ICC.1), the container structure
(JPEG markers per ITU-T T.81, PNG chunks, WebP RIFF chunks) with the quantisation tables
and their IJG quality, data after the image's end, and C2PA Content Credentials read with
the C2PA SDK - then weighing the provenance tells (pycore.provenance). What a file says
about its origin is the first thing an investigator checks (H. Farid, "Photo
Forensics", MIT Press 2016, ch. 3); it is easily edited or stripped, so it supports other
evidence: a generator's own marker counts, an absent one proves nothing.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

from PIL import ExifTags, IptcImagePlugin
from PIL import Image as PILImage

from .. import credentials, icc, provenance, structure, thumbnail, xmp
from ..image import Image
from ..quantization import estimate_quality, table_rows
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
_EXIF_IFD_TAGS = (
    "DateTimeOriginal",
    "DateTimeDigitized",
    "LensModel",
    "BodySerialNumber",
    "UserComment",
)
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
# XMP properties shown, and the text fields searched for generator and editor names.
_XMP_SHOWN = (
    "xmp:CreatorTool",
    "xmp:CreateDate",
    "xmp:ModifyDate",
    "photoshop:Credit",
    "dc:creator",
    "dc:rights",
    "Iptc4xmpExt:DigitalSourceType",
    "stEvt:softwareAgent",
    "stEvt:action",
)
_XMP_SEARCHED = ("xmp:CreatorTool", "photoshop:Credit", "stEvt:softwareAgent", "dc:creator")
_IPTC_DATASETS = {
    (2, 5): "Object name",
    (2, 80): "By-line",
    (2, 110): "Credit",
    (2, 115): "Source",
    (2, 116): "Copyright",
    (2, 120): "Caption",
    (2, 65): "Originating program",
    (2, 55): "Date created",
}
# The longest text shown from a field; longer values are cut with a note.
_MAX_TEXT = 500
# A thumbnail differs from its image beyond these: another aspect ratio, or content.
_THUMBNAIL_ASPECT = 0.03
_THUMBNAIL_CORRELATION = 0.9
_THUMBNAIL_WEIGHT = 0.55
# Data after the end of the image, and a broken structure: worth a look, not a finding.
_TRAILING_WEIGHT = 0.5
_BROKEN_WEIGHT = 0.45
_NOT_PORTABLE = (
    "by this runtime's libjpeg (this chroma subsampling is upsampled differently by each "
    "libjpeg): pixel values, and so numbers, may differ slightly between the page and the "
    "command line"
)
_TRUST = (
    "the signature and hashes were checked with the C2PA SDK; no trust list is bundled, so "
    "who signed is shown but not vouched for"
)


@analysis(
    id="metadata",
    title="Metadata and provenance",
    group="provenance",
    help=(
        "What the file says about itself: format, size, sample depth, camera and software "
        "tags, GPS position, XMP and IPTC records, the colour profile, the JPEG structure "
        "and quantisation tables (with the quality they correspond to), the EXIF thumbnail, "
        "data hidden after the end of the image, and C2PA Content Credentials. A generator's "
        "own marker (an AI digital source type, Stable Diffusion or ComfyUI parameters, a "
        "generator named in Software) makes the verdict suspicious; a thumbnail that no "
        "longer matches the image, or trailing data, makes it inconclusive. Common false "
        "alarms: figures are normally exported from ImageJ, Photoshop or PowerPoint, so "
        "editing software alone is only listed; missing metadata proves nothing, as most "
        "tools strip it; and any field can be typed in by hand."
    ),
)
async def metadata(image: Image) -> Result:
    pil = PILImage.open(io.BytesIO(image.data))
    walked = structure.walk(image.data)
    sheet = _Sheet()
    tells: list[provenance.Tell] = []

    _file_rows(sheet, image, pil)
    exif = pil.getexif()
    tells += _exif_rows(sheet, exif)
    tells += _xmp_rows(sheet, walked, pil)
    tells += _iptc_rows(sheet, pil)
    _icc_rows(sheet, pil)
    tells += _structure_rows(sheet, walked)
    tells += _thumbnail_rows(sheet, pil, image)
    tells += await _credential_rows(sheet, walked, pil, image)

    for tell in tells:
        sheet.add("Tells", tell.where, tell.says)
    weighed = [tell for tell in tells if tell.weight > 0]
    if weighed:
        strongest = max(weighed, key=lambda tell: tell.weight)
        return Result(
            score=strongest.weight,
            findings=sheet.rows,
            reason=f"{strongest.where} {strongest.says}.",
        )
    editors = [tell for tell in tells if tell.weight == 0]
    reason = "File facts only: nothing in the metadata points to generation or later editing"
    reason += f" ({editors[0].says})." if editors else "."
    return Result(reason=reason, findings=sheet.rows)


class _Sheet:
    """The findings table: section, field, value (text, cut to a readable length)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, section: str, field: str, value: Any) -> None:
        self.rows.append({"section": section, "field": field, "value": _text(value)})


def _file_rows(sheet: _Sheet, image: Image, pil: PILImage.Image) -> None:
    sheet.add("File", "File name", image.name or "(none)")
    sheet.add("File", "File size", f"{len(image.data):,} bytes")
    sheet.add("File", "SHA-256", image.sha256)
    sheet.add("File", "Format", image.format)
    sheet.add("File", "Size", f"{image.width} x {image.height} pixels")
    sheet.add("File", "Colour mode", image.mode)
    depth = f"{image.bit_depth} bits per sample"
    if image.stored_bit_depth and image.stored_bit_depth != image.bit_depth:
        depth = (
            f"{image.stored_bit_depth} bits per sample in the file, analysed as {image.bit_depth}"
        )
    sheet.add("File", "Bit depth", depth)
    if image.frame_count > 1:
        sheet.add("File", "Frames", f"{image.frame_count} (the first is analysed)")
    if not image.portable:
        sheet.add("File", "Decoding", _NOT_PORTABLE)
    dpi = pil.info.get("dpi")
    if dpi:
        sheet.add("File", "Resolution", f"{float(dpi[0]):g} x {float(dpi[1]):g} dpi")


def _exif_rows(sheet: _Sheet, exif: PILImage.Exif) -> list[provenance.Tell]:
    tags = _named(exif)
    sheet.add("EXIF", "EXIF", f"present, {len(tags)} tags" if tags else "absent")
    if not tags:
        return []
    for name in _CAMERA_TAGS:
        if name in tags:
            sheet.add("EXIF", name, tags[name])
    details = _named(_ifd(exif, ExifTags.IFD.Exif))
    for name in _EXIF_IFD_TAGS:
        if name in details:
            sheet.add("EXIF", name, details[name])
    if "Orientation" in tags:
        orientation = tags["Orientation"]
        sheet.add("EXIF", "Orientation", _ORIENTATIONS.get(orientation, f"unknown ({orientation})"))
    _gps_rows(sheet, _ifd(exif, ExifTags.IFD.GPSInfo))
    searched = {
        f"EXIF {name}": _text(tags[name])
        for name in ("Software", "Artist", "ImageDescription", "Make", "Model")
        if name in tags
    }
    return provenance.from_fields(searched)


def _gps_rows(sheet: _Sheet, gps: dict[int, Any]) -> None:
    """Latitude and longitude in decimal degrees (EXIF: degrees, minutes, seconds + N/S/E/W)."""
    try:
        latitude = _degrees(gps[2], gps[1])
        longitude = _degrees(gps[4], gps[3])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        if gps:
            sheet.add("GPS", "GPS", f"present, {len(gps)} tags, no readable position")
        return
    sheet.add("GPS", "Position", f"{latitude:.6f}, {longitude:.6f}")
    if 6 in gps:
        with contextlib.suppress(TypeError, ValueError, ZeroDivisionError):
            sheet.add("GPS", "Altitude", f"{float(gps[6]):.1f} m")


def _degrees(parts: Any, reference: Any) -> float:
    degrees, minutes, seconds = (float(part) for part in parts)
    value = degrees + minutes / 60 + seconds / 3600
    reference = reference.decode() if isinstance(reference, bytes) else str(reference)
    return -value if reference.strip().upper() in ("S", "W") else value


def _xmp_rows(sheet: _Sheet, walked: structure.Structure, pil: PILImage.Image) -> list:
    tells: list[provenance.Tell] = []
    tiff_xmp = pil.tag_v2.get(700) if pil.format == "TIFF" else None
    for packet in xmp.packets(walked, tiff_xmp):
        try:
            found = xmp.properties(packet)
        except xmp.XmpError as error:
            sheet.add("XMP", "XMP", str(error))
            continue
        sheet.add("XMP", "XMP", f"present, {sum(len(v) for v in found.values())} values")
        for name in _XMP_SHOWN:
            for value in found.get(name, [])[:10]:
                sheet.add("XMP", name, value)
        tells += provenance.from_fields(
            {f"XMP {name}": value for name in _XMP_SEARCHED for value in found.get(name, [])}
        )
        for value in found.get("Iptc4xmpExt:DigitalSourceType", []):
            tells += provenance.from_source_type("XMP DigitalSourceType", value)
    return tells


def _iptc_rows(sheet: _Sheet, pil: PILImage.Image) -> list[provenance.Tell]:
    try:
        records = IptcImagePlugin.getiptcinfo(pil) or {}
    except (SyntaxError, ValueError, OSError, IndexError, TypeError):
        sheet.add("IPTC", "IPTC", "present but unreadable")
        return []
    fields = {}
    for key, label in _IPTC_DATASETS.items():
        if key in records:
            value = records[key]
            value = b"; ".join(value) if isinstance(value, list) else value
            fields[f"IPTC {label}"] = _text(value)
            sheet.add("IPTC", label, value)
    return provenance.from_fields(fields)


def _icc_rows(sheet: _Sheet, pil: PILImage.Image) -> None:
    profile = pil.info.get("icc_profile")
    if not profile:
        return
    described = icc.describe(profile)
    sheet.add(
        "ICC profile",
        "ICC profile",
        f"present, {len(profile):,} bytes" if described else "present but unreadable",
    )
    for name, value in described.items():
        sheet.add("ICC profile", name.capitalize(), value)


def _structure_rows(sheet: _Sheet, walked: structure.Structure) -> list[provenance.Tell]:
    tells = []
    if walked.kind == "JPEG":
        sheet.add("Structure", "Markers", _marker_order(walked))
        sheet.add("Structure", "Coding", walked.frame or "no frame header")
        if walked.components:
            sampling = ", ".join(f"{h}x{v}" for _, h, v, _ in walked.components)
            sheet.add("Structure", "Sampling factors", sampling)
        if walked.restart_interval:
            sheet.add("Structure", "Restart interval", f"{walked.restart_interval} MCUs")
        for segment in walked.segments:
            if segment.name.startswith("APP"):
                sheet.add(
                    "Structure",
                    segment.name,
                    f"{segment.identifier or 'no identifier'}, {segment.length:,} bytes",
                )
        for comment in walked.comments:
            sheet.add("Structure", "Comment", comment)
        estimate = estimate_quality(walked.quantization)
        if estimate:
            sheet.add("Quantisation", "Quality", estimate.describe())
        for table_id, table in sorted(walked.quantization.items()):
            sheet.add("Quantisation", f"Table {table_id}", table_rows(table))
    elif walked.kind in ("PNG", "WebP"):
        sheet.add("Structure", "Chunks", _marker_order(walked))
        for key, value in walked.texts.items():
            sheet.add("Structure", f"Text '{key}'", value)
        tells += provenance.from_png_texts(walked.texts)
        tells += provenance.from_fields(
            {
                f"PNG text '{key}'": value
                for key, value in walked.texts.items()
                if key in ("Software", "Comment", "Description", "Author", "Source")
            }
        )
    if walked.trailing_bytes:
        sheet.add("Structure", "After the end of the image", f"{walked.trailing_bytes:,} bytes")
        tells.append(
            provenance.Tell(
                "The file",
                f"has {walked.trailing_bytes:,} bytes after the "
                "end of the image (hidden data, or another file appended)",
                _TRAILING_WEIGHT,
            )
        )
    for anomaly in walked.anomalies:
        sheet.add("Structure", "Anomaly", anomaly)
    if walked.anomalies:
        tells.append(
            provenance.Tell(
                "The file structure", f"is broken: {walked.anomalies[0]}", _BROKEN_WEIGHT
            )
        )
    return tells


def _marker_order(walked: structure.Structure) -> str:
    """Segment names in file order, runs of the same name folded (DHT x4)."""
    names = [
        segment.name + (f"({segment.identifier})" if segment.name.startswith("APP") else "")
        for segment in walked.segments
    ]
    folded: list[str] = []
    for name in names:
        if folded and folded[-1].split(" x")[0] == name:
            count = int(folded[-1].split(" x")[1]) + 1 if " x" in folded[-1] else 2
            folded[-1] = f"{name} x{count}"
        else:
            folded.append(name)
    return " ".join(folded)


def _thumbnail_rows(sheet: _Sheet, pil: PILImage.Image, image: Image) -> list:
    embedded = thumbnail.exif_thumbnail(pil)
    if embedded is None:
        return []
    try:
        match = thumbnail.compare(embedded, image.rgb8())
    except (OSError, ValueError, SyntaxError) as error:
        sheet.add("Thumbnail", "EXIF thumbnail", f"present but unreadable: {error}")
        return []
    sheet.add("Thumbnail", "EXIF thumbnail", f"{match.width} x {match.height} pixels")
    sheet.add("Thumbnail", "Aspect ratio difference", f"{match.aspect_difference:.1%}")
    sheet.add("Thumbnail", "Correlation with the image", f"{match.correlation:.3f}")
    if match.aspect_difference > _THUMBNAIL_ASPECT or match.correlation < _THUMBNAIL_CORRELATION:
        return [
            provenance.Tell(
                "The EXIF thumbnail",
                "no longer matches the image (another "
                "aspect ratio or content): the image was changed after capture",
                _THUMBNAIL_WEIGHT,
            )
        ]
    return []


async def _credential_rows(
    sheet: _Sheet, walked: structure.Structure, pil: PILImage.Image, image: Image
) -> list[provenance.Tell]:
    tags = pil.tag_v2 if pil.format == "TIFF" else None
    places = credentials.carriers(walked, tags)
    if not places:
        return []
    for place in places:
        sheet.add("Content Credentials", "Manifest store", place)
    try:
        found = await credentials.read(image.data, image.format)
    except ValueError as error:
        sheet.add("Content Credentials", "Reading", str(error))
        return []
    if found is None:
        sheet.add("Content Credentials", "Reading", "the C2PA SDK found no manifest store")
        return []
    sheet.add("Content Credentials", "Claim generator", found.claim_generator)
    if found.title:
        sheet.add("Content Credentials", "Title", found.title)
    for action in found.actions:
        described = action["action"]
        if action["digital_source_type"]:
            described += f" ({action['digital_source_type']})"
        if action["software_agent"]:
            described += f" by {action['software_agent']}"
        sheet.add("Content Credentials", "Action", described)
    sheet.add(
        "Content Credentials",
        "Signed by",
        f"{found.signer} ({found.issuer})" if found.issuer else found.signer,
    )
    if found.signed_at:
        sheet.add("Content Credentials", "Signed at", found.signed_at)
    sheet.add(
        "Content Credentials",
        "Validation",
        "failed: " + ", ".join(found.failures)
        if found.failures
        else "signature and hashes valid"
        + (", signer not on a trust list" if found.untrusted else ""),
    )
    sheet.add("Content Credentials", "Trust", _TRUST)
    tells = provenance.from_fields({"Content Credentials claim generator": found.claim_generator})
    for action in found.actions:
        tells += provenance.from_source_type(
            "Content Credentials action", action["digital_source_type"]
        )
        if action["software_agent"]:
            tells += provenance.from_fields(
                {"Content Credentials software agent": action["software_agent"]}
            )
    return tells


def _ifd(exif: PILImage.Exif, which: int) -> dict[int, Any]:
    try:
        return dict(exif.get_ifd(which))
    except (KeyError, ValueError, OSError, SyntaxError, TypeError):
        return {}


def _named(ifd: Any) -> dict[str, Any]:
    """EXIF tag names to values for one directory."""
    return {ExifTags.TAGS.get(tag, f"Tag 0x{tag:04x}"): value for tag, value in ifd.items()}


def _text(value: Any) -> str:
    """A value as plain text: bytes decoded (invalid UTF-8 replaced), cut to a readable length."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = str(value).strip("\x00 ").strip()
    if len(text) > _MAX_TEXT:
        return text[:_MAX_TEXT] + f"... ({len(text)} characters in all)"
    return text
