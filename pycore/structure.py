"""The container structure of a file: JPEG segments, PNG and WebP chunks, and what follows
the image's end.

Method: walking the file by the container specifications (ITU-T T.81 Annex B for JPEG
markers; the PNG specification, 3rd edition, for chunks; RIFF for WebP), reading only
lengths and headers. Every step is bounded by the file's size, so a broken or hostile
file gives an "anomaly" entry instead of an exception.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

# JPEG markers by code (ITU-T T.81 Table B.1); APPn and RSTn are named in marker_name().
_JPEG_MARKERS = {
    0xC0: "SOF0 (baseline)",
    0xC1: "SOF1 (extended sequential)",
    0xC2: "SOF2 (progressive)",
    0xC3: "SOF3 (lossless)",
    0xC4: "DHT",
    0xC5: "SOF5",
    0xC6: "SOF6",
    0xC7: "SOF7",
    0xC9: "SOF9 (arithmetic)",
    0xCA: "SOF10 (arithmetic progressive)",
    0xCB: "SOF11",
    0xCC: "DAC",
    0xCD: "SOF13",
    0xCE: "SOF14",
    0xCF: "SOF15",
    0xD8: "SOI",
    0xD9: "EOI",
    0xDA: "SOS",
    0xDB: "DQT",
    0xDC: "DNL",
    0xDD: "DRI",
    0xDE: "DHP",
    0xDF: "EXP",
    0xFE: "COM",
}
_SOF_CODES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# Identifiers at the start of APPn payloads, longest first where one prefixes another.
_APP_IDENTIFIERS = (
    (b"http://ns.adobe.com/xmp/extension/\x00", "XMP extension"),
    (b"http://ns.adobe.com/xap/1.0/\x00", "XMP"),
    (b"Photoshop 3.0\x00", "Photoshop IRB (IPTC)"),
    (b"ICC_PROFILE\x00", "ICC profile"),
    (b"Exif\x00", "Exif"),
    (b"JFIF\x00", "JFIF"),
    (b"JFXX\x00", "JFIF extension"),
    (b"Adobe", "Adobe"),
    (b"MPF\x00", "MPF (multi-picture)"),
    (b"Ducky", "Ducky (Photoshop Save for Web)"),
    (b"JP", "JUMBF"),
)


@dataclass
class Segment:
    """One marker segment or chunk: its name, offset, payload length and identifier."""

    name: str
    offset: int
    length: int
    identifier: str = ""
    payload: bytes = field(default=b"", repr=False)


@dataclass
class Structure:
    """What walking a file found."""

    kind: str  # "JPEG", "PNG", "WebP" or "" when the container is not walked
    segments: list[Segment] = field(default_factory=list)
    trailing_bytes: int = 0
    anomalies: list[str] = field(default_factory=list)
    # JPEG only
    frame: str = ""
    components: list[tuple[int, int, int, int]] = field(default_factory=list)  # id, h, v, table
    quantization: dict[int, list[int]] = field(default_factory=dict)  # id -> 64 natural order
    restart_interval: int = 0
    comments: list[bytes] = field(default_factory=list)
    # PNG only: keyword -> text of tEXt, zTXt and iTXt chunks
    texts: dict[str, str] = field(default_factory=dict)

    def payloads(self, identifier: str) -> list[bytes]:
        return [segment.payload for segment in self.segments if segment.identifier == identifier]


def walk(data: bytes) -> Structure:
    """The structure of a JPEG, PNG or WebP file; other formats give an empty Structure."""
    if data.startswith(b"\xff\xd8"):
        return _walk_jpeg(data)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _walk_png(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _walk_webp(data)
    return Structure(kind="")


def marker_name(code: int) -> str:
    if 0xE0 <= code <= 0xEF:
        return f"APP{code - 0xE0}"
    if 0xD0 <= code <= 0xD7:
        return f"RST{code - 0xD0}"
    return _JPEG_MARKERS.get(code, f"0xFF{code:02X}")


# Zigzag position -> natural (row-major) index, for DQT tables (ITU-T T.81 Figure A.6).
_ZIGZAG_TO_NATURAL = [
    0,
    1,
    8,
    16,
    9,
    2,
    3,
    10,
    17,
    24,
    32,
    25,
    18,
    11,
    4,
    5,
    12,
    19,
    26,
    33,
    40,
    48,
    41,
    34,
    27,
    20,
    13,
    6,
    7,
    14,
    21,
    28,
    35,
    42,
    49,
    56,
    57,
    50,
    43,
    36,
    29,
    22,
    15,
    23,
    30,
    37,
    44,
    51,
    58,
    59,
    52,
    45,
    38,
    31,
    39,
    46,
    53,
    60,
    61,
    54,
    47,
    55,
    62,
    63,
]


def _walk_jpeg(data: bytes) -> Structure:
    found = Structure(kind="JPEG")
    found.segments.append(Segment("SOI", 0, 0))
    position = 2
    while position < len(data):
        if data[position] != 0xFF:
            found.anomalies.append(
                f"expected a marker at byte {position}, found 0x{data[position]:02X}"
            )
            return found
        while position < len(data) and data[position] == 0xFF:  # fill bytes
            position += 1
        if position >= len(data):
            break
        code = data[position]
        start = position - 1
        position += 1
        if code == 0xD9:  # EOI
            found.segments.append(Segment("EOI", start, 0))
            found.trailing_bytes = len(data) - position
            return found
        if 0xD0 <= code <= 0xD7 or code == 0x01:  # markers without a length
            found.segments.append(Segment(marker_name(code), start, 0))
            continue
        if position + 2 > len(data):
            found.anomalies.append(f"{marker_name(code)} at byte {start} is cut off")
            return found
        length = struct.unpack(">H", data[position : position + 2])[0]
        payload = data[position + 2 : position + length]
        if length < 2 or position + length > len(data):
            found.anomalies.append(
                f"{marker_name(code)} at byte {start} claims {length} bytes, "
                f"past the end of the file"
            )
            return found
        segment = Segment(marker_name(code), start, length - 2, _identify(code, payload), payload)
        found.segments.append(segment)
        _read_jpeg_segment(found, code, payload)
        position += length
        if code == 0xDA:  # entropy-coded data follows: skip to the next real marker
            position = _end_of_scan(data, position)
    found.anomalies.append("no end-of-image marker (EOI): the file is truncated")
    return found


def _identify(code: int, payload: bytes) -> str:
    if not 0xE0 <= code <= 0xEF:
        return ""
    for prefix, name in _APP_IDENTIFIERS:
        if payload.startswith(prefix):
            return name
    text = payload[:24].split(b"\x00")[0]
    return text.decode("latin-1") if text.isascii() and text.isalnum() else "unknown"


def _read_jpeg_segment(found: Structure, code: int, payload: bytes) -> None:
    if code in _SOF_CODES and len(payload) >= 6:
        found.frame = marker_name(code)
        count = payload[5]
        for index in range(count):
            part = payload[6 + 3 * index : 9 + 3 * index]
            if len(part) == 3:
                found.components.append((part[0], part[1] >> 4, part[1] & 15, part[2]))
    elif code == 0xDB:  # one or more tables: Pq/Tq byte, then 64 values of 8 or 16 bits
        position = 0
        while position < len(payload):
            precision, table_id = payload[position] >> 4, payload[position] & 15
            size = 128 if precision else 64
            values = payload[position + 1 : position + 1 + size]
            if len(values) < size:
                found.anomalies.append("a quantisation table (DQT) is cut short")
                return
            zigzag = struct.unpack(">64H", values) if precision else tuple(values)
            natural = [0] * 64
            for position_in_zigzag, index in enumerate(_ZIGZAG_TO_NATURAL):
                natural[index] = zigzag[position_in_zigzag]
            found.quantization[table_id] = natural
            position += 1 + size
    elif code == 0xDD and len(payload) >= 2:
        found.restart_interval = struct.unpack(">H", payload[:2])[0]
    elif code == 0xFE:
        found.comments.append(payload)


def _end_of_scan(data: bytes, position: int) -> int:
    """The offset of the first marker after entropy-coded data (not a stuffed 0xFF00 or RSTn)."""
    while True:
        position = data.find(b"\xff", position)
        if position < 0 or position + 1 >= len(data):
            return len(data)
        following = data[position + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            position += 1
            continue
        return position


# The most bytes a compressed text chunk may expand to: larger is a decompression bomb.
_MAX_TEXT_BYTES = 1_000_000


def _walk_png(data: bytes) -> Structure:
    found = Structure(kind="PNG")
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        name = kind.decode("latin-1")
        end = position + 12 + length
        if end > len(data):
            found.anomalies.append(f"chunk {name!r} at byte {position} is cut off")
            return found
        payload = data[position + 8 : position + 8 + length]
        if zlib.crc32(kind + payload) != struct.unpack(">I", data[end - 4 : end])[0]:
            found.anomalies.append(f"chunk {name!r} at byte {position} fails its CRC check")
        found.segments.append(Segment(name, position, length, name, payload))
        if name in ("tEXt", "zTXt", "iTXt"):
            _read_png_text(found, name, payload)
        position = end
        if name == "IEND":
            found.trailing_bytes = len(data) - position
            return found
    found.anomalies.append("no IEND chunk: the file is truncated")
    return found


def _read_png_text(found: Structure, kind: str, payload: bytes) -> None:
    keyword, _, rest = payload.partition(b"\x00")
    try:
        if kind == "tEXt":
            text = rest.decode("latin-1")
        elif kind == "zTXt":
            text = _inflate(rest[1:]).decode("latin-1")
        else:  # iTXt: compression flag, method, language, translated keyword, text
            compressed = rest[:1] == b"\x01"
            _, _, tail = rest[2:].partition(b"\x00")
            _, _, body = tail.partition(b"\x00")
            text = (_inflate(body) if compressed else body).decode("utf-8", errors="replace")
    except (zlib.error, ValueError) as error:
        found.anomalies.append(f"text chunk {keyword[:40]!r} could not be read: {error}")
        return
    found.texts[keyword.decode("latin-1")] = text


def _inflate(compressed: bytes) -> bytes:
    """zlib data, refusing to expand past _MAX_TEXT_BYTES."""
    inflater = zlib.decompressobj()
    text = inflater.decompress(compressed, _MAX_TEXT_BYTES)
    if inflater.unconsumed_tail:
        raise ValueError(f"expands past {_MAX_TEXT_BYTES} bytes")
    return text


def _walk_webp(data: bytes) -> Structure:
    found = Structure(kind="WebP")
    declared = struct.unpack("<I", data[4:8])[0] + 8
    position = 12
    while position + 8 <= min(declared, len(data)):
        kind, length = struct.unpack("<4sI", data[position : position + 8])
        name = kind.decode("latin-1")
        payload = data[position + 8 : position + 8 + length]
        found.segments.append(Segment(name, position, length, name.strip(), payload))
        position += 8 + length + (length & 1)  # chunks are padded to even lengths
    if declared > len(data):
        found.anomalies.append("the RIFF size runs past the end of the file: truncated")
    found.trailing_bytes = max(len(data) - declared, 0)
    return found
