"""C2PA Content Credentials: finding a manifest store, and reading it with the official SDK.

Method: the C2PA Technical Specification 2.1 stores a manifest store as JUMBF in a JPEG
APP11 segment, a PNG 'caBX' chunk, a WebP 'C2PA' chunk, or TIFF tag 0xCD41 (among
carriers of formats FigSleuth does not open). Finding the carrier is done here; reading
and validating the store is left to the C2PA project's own SDK: c2pa-python natively,
and @contentauth/c2pa-wasm (the same Rust library compiled to WebAssembly) in the
browser, through the ``figsleuth_bridge`` module the worker registers. Neither fetches
anything: remote manifests and certificate-revocation (OCSP) checks are switched off, and
no trust list is bundled, so a valid signature is reported as valid but its signer as
not on a trust list.
"""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass, field
from typing import Any

from .structure import Structure

IN_BROWSER = sys.platform == "emscripten"
# The SDK settings both runtimes use: nothing is fetched from the network.
SETTINGS = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
_TIFF_C2PA_TAG = 0xCD41
_MIME = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "TIFF": "image/tiff",
    "GIF": "image/gif",
}


def carriers(structure: Structure, tiff_tags: Any = None) -> list[str]:
    """Where the file carries a C2PA manifest store ([] where it carries none)."""
    found = [
        f"JPEG APP11 JUMBF at byte {segment.offset}"
        for segment in structure.segments
        if segment.name == "APP11"
        and segment.identifier == "JUMBF"
        and b"c2pa" in segment.payload[:64]
    ]
    found += [
        f"PNG caBX chunk at byte {segment.offset}"
        for segment in structure.segments
        if structure.kind == "PNG" and segment.name == "caBX"
    ]
    found += [
        f"WebP C2PA chunk at byte {segment.offset}"
        for segment in structure.segments
        if structure.kind == "WebP" and segment.name == "C2PA"
    ]
    if tiff_tags is not None and _TIFF_C2PA_TAG in tiff_tags:
        found.append("TIFF tag 0xCD41")
    return found


@dataclass
class Credentials:
    """What the active manifest says, and how its validation went."""

    claim_generator: str
    title: str
    actions: list[dict[str, str]] = field(default_factory=list)
    signer: str = ""
    issuer: str = ""
    signed_at: str = ""
    failures: list[str] = field(default_factory=list)  # validation codes other than trust
    untrusted: bool = False  # signature fine, signer not on a trust list
    manifests: int = 0


async def read(data: bytes, image_format: str) -> Credentials | None:
    """The active manifest of the file's C2PA store, or None if the SDK finds none.

    Raises ValueError with the SDK's message when a store is there but cannot be read.
    """
    mime = _MIME.get(image_format.upper())
    if mime is None:
        return None
    store = await _browser_store(data, mime) if IN_BROWSER else _native_store(data, mime)
    return summarize(store) if store else None


def _native_store(data: bytes, mime: str) -> dict | None:
    import c2pa  # the official SDK; absent from the browser runtime

    context = c2pa.Context(c2pa.Settings.from_dict(SETTINGS))
    try:
        reader = c2pa.Reader(mime, io.BytesIO(data), context=context)
    except c2pa.C2paError.ManifestNotFound:
        return None
    except c2pa.C2paError as error:
        raise ValueError(f"the C2PA manifest store could not be read: {error}") from error
    try:
        return json.loads(reader.json())
    finally:
        reader.close()


async def _browser_store(data: bytes, mime: str) -> dict | None:
    import figsleuth_bridge  # registered by the worker before pycore is imported
    from pyodide.ffi import JsException, to_js

    try:
        text = await figsleuth_bridge.read_credentials(to_js(data), mime, json.dumps(SETTINGS))
    except JsException as error:
        raise ValueError(f"the C2PA manifest store could not be read: {error}") from error
    return json.loads(text) if text else None


def summarize(store: dict) -> Credentials | None:
    """The facts an investigator needs from a manifest store (SDK JSON)."""
    manifests = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest") or "")
    if not isinstance(active, dict):
        return None
    generators = active.get("claim_generator_info") or []
    generator = ", ".join(
        " ".join(str(part) for part in (info.get("name"), info.get("version")) if part)
        for info in generators
        if isinstance(info, dict)
    ) or str(active.get("claim_generator", ""))
    signature = active.get("signature_info") or {}
    codes = [
        str(status.get("code", ""))
        for status in store.get("validation_status") or []
        if isinstance(status, dict)
    ]
    return Credentials(
        claim_generator=generator,
        title=str(active.get("title", "")),
        actions=_actions(active.get("assertions") or []),
        signer=str(signature.get("common_name", "")),
        issuer=str(signature.get("issuer", "")),
        signed_at=str(signature.get("time", "")),
        failures=[code for code in codes if code != "signingCredential.untrusted"],
        untrusted="signingCredential.untrusted" in codes,
        manifests=len(manifests),
    )


def _actions(assertions: list[Any]) -> list[dict[str, str]]:
    found = []
    for assertion in assertions:
        if not isinstance(assertion, dict) or not str(assertion.get("label", "")).startswith(
            "c2pa.actions"
        ):
            continue
        for action in (assertion.get("data") or {}).get("actions") or []:
            agent = action.get("softwareAgent") or ""
            found.append(
                {
                    "action": str(action.get("action", "")),
                    "digital_source_type": str(action.get("digitalSourceType", "")).rsplit("/", 1)[
                        -1
                    ],
                    "software_agent": str(
                        agent.get("name", "") if isinstance(agent, dict) else agent
                    ),
                }
            )
    return found
