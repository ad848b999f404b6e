"""ICC colour profiles: the header fields and the profile's own description.

Method: ICC.1:2010 (profile version 4) and ICC.1:2001-04 (version 2): a 128-byte header,
then a tag table; the description is a 'desc' tag, either textDescriptionType (version 2,
ASCII) or multiLocalizedUnicodeType ('mluc', version 4, UTF-16BE).
"""

from __future__ import annotations

import struct

_CLASSES = {
    b"scnr": "input device",
    b"mntr": "display",
    b"prtr": "output device",
    b"link": "device link",
    b"spac": "colour space",
    b"abst": "abstract",
    b"nmcl": "named colour",
}


def describe(profile: bytes) -> dict[str, str]:
    """Name, version, class, colour space and copyright of a profile ({} if unreadable)."""
    if len(profile) < 132:
        return {}
    version = f"{profile[8]}.{profile[9] >> 4}"
    found = {
        "version": version,
        "class": _CLASSES.get(profile[12:16], profile[12:16].decode("latin-1")),
        "colour space": profile[16:20].decode("latin-1").strip(),
    }
    count = struct.unpack(">I", profile[128:132])[0]
    for index in range(min(count, 100)):
        entry = profile[132 + 12 * index : 144 + 12 * index]
        if len(entry) < 12:
            break
        signature, offset, size = struct.unpack(">4sII", entry)
        if signature in (b"desc", b"cprt"):
            text = _text(profile[offset : offset + size])
            if text:
                found["description" if signature == b"desc" else "copyright"] = text
    return found


def _text(element: bytes) -> str:
    kind = element[:4]
    if kind == b"desc" and len(element) >= 12:  # ASCII count, then the string
        count = struct.unpack(">I", element[8:12])[0]
        return element[12 : 12 + count].split(b"\x00")[0].decode("latin-1", errors="replace")
    if kind == b"mluc" and len(element) >= 28:  # first record: language, length, offset
        length, offset = struct.unpack(">II", element[20:28])
        return element[offset : offset + length].decode("utf-16-be", errors="replace")
    if kind == b"text":
        return element[8:].split(b"\x00")[0].decode("latin-1", errors="replace")
    return ""
