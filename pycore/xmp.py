"""XMP packets: where they hide in a file, and the properties they hold.

Method: ISO 16684-1 (XMP) stores RDF/XML in a JPEG APP1 segment, a PNG iTXt chunk with the
keyword "XML:com.adobe.xmp", a WebP "XMP " chunk or TIFF tag 700. The XML is parsed by the
standard library; document type declarations are refused first, so entity expansion (the
"billion laughs") cannot be used against the parser.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from typing import Any

from .structure import Structure

_XMP_JPEG_PREFIX = b"http://ns.adobe.com/xap/1.0/\x00"
# Namespaces shown by their usual prefixes; others keep their URI.
_PREFIXES = {
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
    "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#": "stEvt",
    "http://iptc.org/std/Iptc4xmpExt/2008-02-29/": "Iptc4xmpExt",
    "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/": "Iptc4xmpCore",
    "http://ns.adobe.com/tiff/1.0/": "tiff",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://ns.adobe.com/camera-raw-settings/1.0/": "crs",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
}
# The most properties kept from one packet, and the longest value: the rest is not shown.
_MAX_PROPERTIES = 500


def packets(structure: Structure, tiff_tag: Any = None) -> list[bytes]:
    """The raw XMP packets of a walked file (and of TIFF tag 700, when given)."""
    found = [
        payload[len(_XMP_JPEG_PREFIX) :]
        for payload in structure.payloads("XMP")
        if payload.startswith(_XMP_JPEG_PREFIX)
    ]
    found += [payload for payload in structure.payloads("XMP") if structure.kind == "WebP"]
    if "XML:com.adobe.xmp" in structure.texts:
        found.append(structure.texts["XML:com.adobe.xmp"].encode("utf-8"))
    if isinstance(tiff_tag, bytes | str):
        found.append(tiff_tag.encode("utf-8") if isinstance(tiff_tag, str) else tiff_tag)
    return found


class XmpError(ValueError):
    """The packet is not XMP that can be read safely."""


def properties(packet: bytes) -> dict[str, list[str]]:
    """Every property of a packet as "prefix:name" -> values (attributes, element text, and
    the items of rdf:Alt/Bag/Seq lists), in document order."""
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        raise XmpError("the XMP packet declares a document type or entities; not parsed")
    try:
        root = ElementTree.fromstring(packet.strip(b"\x00 \r\n\t"))
    except ElementTree.ParseError as error:
        raise XmpError(f"the XMP packet is not well-formed XML: {error}") from error
    found: dict[str, list[str]] = {}
    parents = {child: parent for parent in root.iter() for child in parent}

    def add(name: str, value: str) -> None:
        if len(found) < _MAX_PROPERTIES or name in found:
            found.setdefault(name, []).append(value.strip())

    for element in root.iter():
        for attribute, value in element.attrib.items():
            name = _qualified(attribute)
            if not name.startswith(("rdf:", "xml:")):
                add(name, value)
        text = (element.text or "").strip()
        if text and not len(element):
            name = _qualified(element.tag)
            if name == "rdf:li":
                continue  # added under its property below
            add(name, text)
        if _qualified(element.tag) in ("rdf:Alt", "rdf:Bag", "rdf:Seq"):
            owner = _qualified(parents[element].tag) if element in parents else "rdf:li"
            for item in element:
                if (item.text or "").strip():
                    add(owner, item.text)
    return found


def _qualified(tag: str) -> str:
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        return f"{_PREFIXES.get(uri, uri)}:{local}"
    return tag
