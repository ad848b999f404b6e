"""Provenance tells in metadata: what says a file was generated, composited or edited.

Method: the markers generators and editors write, as documented by their makers - the IPTC
Digital Source Type vocabulary (cv.iptc.org/newscodes/digitalsourcetype: trainedAlgorithmic
Media and its composite), the PNG text chunks of Stable Diffusion web UIs ("parameters"),
ComfyUI ("prompt", "workflow"), InvokeAI and NovelAI, and product names in the Software,
CreatorTool, Credit and similar fields. Each tell names where it was found; its weight is
how strongly it points to generation (editing software alone weighs nothing: figures are
normally exported from ImageJ, Photoshop or PowerPoint).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# IPTC digital source types that say "generated", with their weight.
SOURCE_TYPES = {
    "trainedAlgorithmicMedia": ("created by a trained model (AI-generated)", 0.95),
    "compositeWithTrainedAlgorithmicMedia": ("composited with AI-generated content", 0.85),
    "algorithmicMedia": ("created by an algorithm (not a capture)", 0.7),
    "compositeSynthetic": ("composited with synthetic content", 0.7),
    "dataDrivenMedia": ("produced from data (rendered)", 0.5),
}
# PNG text keywords that generators write, with what writes them.
GENERATOR_TEXT_KEYS = {
    "parameters": "Stable Diffusion web UI (AUTOMATIC1111, Forge) generation parameters",
    "prompt": "ComfyUI prompt graph",
    "workflow": "ComfyUI workflow",
    "invokeai_metadata": "InvokeAI generation metadata",
    "sd-metadata": "InvokeAI / Stable Diffusion metadata",
    "Dream": "Dream (InvokeAI) prompt",
    "generation_data": "generation settings of an image generator",
}
GENERATORS = re.compile(
    r"stable[\s_-]?diffusion|midjourney|dall[\s·._-]?e|adobe firefly|\bfirefly\b|imagen\b|"
    r"novelai|comfyui|automatic1111|invokeai|leonardo\.ai|ideogram|\bflux(\.1)?\b|"
    r"dreamstudio|gpt-image|\bsora\b|nightcafe|craiyon|stability\.ai",
    re.IGNORECASE,
)
EDITORS = re.compile(
    r"photoshop|gimp|imagej|\bfiji\b|powerpoint|illustrator|affinity|paint\.net|lightroom|"
    r"snapseed|picsart|canva|facetune|pixelmator|coreldraw|inkscape|microsoft office|"
    r"keynote|acdsee|irfanview",
    re.IGNORECASE,
)
# Weight of a generator's name in a text field: explicit, but a field anyone can type in.
_NAMED_GENERATOR = 0.85


@dataclass(frozen=True)
class Tell:
    """One provenance tell: where it was found, what it says, and how much it weighs."""

    where: str
    says: str
    weight: float


def from_fields(fields: dict[str, str]) -> list[Tell]:
    """Tells in named text fields (Software, CreatorTool, Credit, ...): field -> value."""
    found = []
    for where, value in fields.items():
        generator = GENERATORS.search(value)
        if generator:
            found.append(
                Tell(where, f"names an image generator ({generator.group(0)})", _NAMED_GENERATOR)
            )
        elif EDITORS.search(value):
            found.append(
                Tell(where, f"says it was saved by {value.strip()[:80]} (editing software)", 0.0)
            )
    return found


def from_source_type(where: str, value: str) -> list[Tell]:
    """The tell of an IPTC digital source type (a full URI or the bare term)."""
    term = value.strip().rsplit("/", 1)[-1]
    if term in SOURCE_TYPES:
        says, weight = SOURCE_TYPES[term]
        return [Tell(where, f"digital source type {term}: {says}", weight)]
    return []


def from_png_texts(texts: dict[str, str]) -> list[Tell]:
    """Tells in PNG text chunks: generators' own keywords, and NovelAI's signature."""
    found = [
        Tell(f"PNG text '{key}'", f"{label} are embedded", 0.95)
        for key, label in GENERATOR_TEXT_KEYS.items()
        if key in texts
    ]
    if texts.get("Software", "").strip().lower() == "novelai":
        found.append(Tell("PNG text 'Software'", "written by NovelAI", 0.95))
    return found
