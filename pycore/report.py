"""The report: one self-contained HTML file of what was checked and what was found.

The same report comes from the page (its "Download report") and from the command line
(``python -m pycore analyze FILE... --report report.html``). Everything is inside the file:
the pictures as data: URIs, the styles inline, no script, and a Content-Security-Policy
that forbids loading anything, so it opens the same offline, archived or mailed. Each
image gets its name, SHA-256, facts and worst verdict, then every analysis with its
verdict, plain reason, the maps drawn over the image, the marks (boxes, matched regions),
the findings, the parameters it ran with and how to read it. A print stylesheet keeps an
analysis on one page where it fits, for printing to PDF from the browser.

Text from files (names, metadata) is escaped everywhere: it is shown, never interpreted.
"""

from __future__ import annotations

import base64
import hashlib
import io
import platform
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any

import numpy as np
import scipy
from PIL import Image as PILImage

from . import __version__, models
from .colormaps import MATCH_COLOURS, colorize
from .image import Image
from .registry import ANALYSES
from .result import Result

# Pictures are drawn at most this many pixels on their longer side: enough to see a
# finding, small enough for a report of a whole manuscript (the analyses ran on the full
# image; the file's SHA-256 names the original).
MAX_SIDE = 1000
# How much of a map's colour covers the image in an overlay figure.
OVERLAY_ALPHA = 0.6
_JPEG_QUALITY = 88
_RANK = {"clean": 0, "inconclusive": 1, "suspicious": 2}


@dataclass
class _Row:
    """One image's line in the summary table."""

    anchor: str
    label: str
    sha256: str
    verdicts: dict[str, str | None] = field(default_factory=dict)
    error: str | None = None


class Report:
    """A report built image by image (each image's section is drawn as soon as it is
    added, so a long batch never holds its images), then written with :meth:`html`."""

    def __init__(self, title: str = "FigSleuth report") -> None:
        self.title = title
        self._rows: list[_Row] = []
        self._sections: list[str] = []
        self._across: list[str] = []

    def add(
        self,
        label: str,
        image: Image,
        results: dict[str, Result],
        params: dict[str, dict[str, Any]],
        errors: dict[str, str] | None = None,
    ) -> None:
        """An analysed image: ``results`` and ``params`` by analysis id, in the order they
        ran; ``errors`` the analyses that failed, with their messages."""
        anchor = f"image-{len(self._rows) + 1}"
        errors = errors or {}
        verdict = worst(result.verdict for result in results.values())
        self._rows.append(
            _Row(anchor, label, image.sha256, {k: r.verdict for k, r in results.items()})
        )
        picture, scale = _picture(image)
        parts = [
            f'<section class="image" id="{anchor}">',
            f"<h2>{escape(label)} {_badge(verdict)}</h2>",
            '<table class="facts">',
            _fact("SHA-256", f"<code>{image.sha256}</code>"),
            _fact(
                "Image",
                escape(
                    f"{image.width} x {image.height} px, {image.format}, "
                    f"{image.bit_depth}-bit {image.mode}"
                ),
            ),
            "</table>",
            _figure(_data_uri(picture), "The image as analysed", "image"),
        ]
        for analysis_id, result in results.items():
            parts.append(
                _analysis_section(
                    analysis_id, result, params.get(analysis_id, {}), picture, scale, anchor
                )
            )
        for analysis_id, message in errors.items():
            title = ANALYSES[analysis_id].title if analysis_id in ANALYSES else analysis_id
            parts.append(
                f'<section class="analysis"><h3>{escape(title)} '
                f'<span class="badge failed">failed</span></h3>'
                f'<p class="error">{escape(message)}</p></section>'
            )
        parts.append("</section>")
        self._sections.append("\n".join(parts))

    def add_error(self, label: str, message: str) -> None:
        """A file that could not be read: listed, with why."""
        self._rows.append(_Row(f"image-{len(self._rows) + 1}", label, "", error=message))

    def add_across(self, comparison: dict[str, Any], labels: list[str]) -> None:
        """Reuse found across images (pycore.reuse.compare's report for ``labels``); each
        comparison added gets its own section."""
        rows = []
        for index, pair in enumerate(comparison.get("pairs", [])):
            sides = [
                f"{labels[side['image']]}, panel {side['panel']}"
                for side in (pair["first"], pair["second"])
            ]
            colour = MATCH_COLOURS[index % len(MATCH_COLOURS)]
            rows.append(
                f'<tr><td><span class="swatch" style="background:{colour}"></span>'
                f"{index + 1}</td><td>{escape(sides[0])}</td><td>{escape(sides[1])}</td>"
                f"<td>{escape(pair['transform']['description'])}</td>"
                f'<td class="number">{pair["matches"]}</td>'
                f'<td class="number">{pair["correlation"]:.2f}</td></tr>'
            )
        table = (
            "<table><thead><tr><th>#</th><th>first</th><th>second</th><th>transform</th>"
            '<th class="number">matches</th><th class="number">correlation</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            if rows
            else ""
        )
        self._across.append(
            "\n".join(
                [
                    f'<section class="image" id="across-{len(self._across) + 1}">',
                    f"<h2>Reuse across the {len(labels)} images "
                    f"{_badge(comparison.get('verdict'), comparison.get('score'))}</h2>",
                    f'<p class="reason">{escape(str(comparison.get("reason", "")))}</p>',
                    table,
                    "</section>",
                ]
            )
        )

    def html(
        self,
        versions: dict[str, str] | None = None,
        shipped_models: dict[str, dict[str, Any]] | None = None,
        generated: datetime | None = None,
    ) -> str:
        """The whole report. ``versions`` adds to those of FigSleuth and its Python runtime
        (the CLI adds onnxruntime, the page Pyodide, onnxruntime-web and the browser);
        ``shipped_models`` names the models (see :func:`model_versions`)."""
        moment = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
        every_version = {
            "FigSleuth": __version__,
            "Python": platform.python_version(),
            "NumPy": np.__version__,
            "SciPy": scipy.__version__,
            "Pillow": PILImage.__version__,
            **(versions or {}),
            **model_versions(shipped_models),
        }
        summary = []
        for row in self._rows:
            if row.error:
                summary.append(
                    f"<tr><td>{escape(row.label)}</td><td></td>"
                    f'<td><span class="badge failed">unreadable</span></td>'
                    f'<td colspan="2" class="error">{escape(row.error)}</td></tr>'
                )
                continue
            flagged = {
                level: ", ".join(
                    escape(ANALYSES[k].title if k in ANALYSES else k)
                    for k, verdict in row.verdicts.items()
                    if verdict == level
                )
                for level in ("suspicious", "inconclusive")
            }
            summary.append(
                f'<tr><td><a href="#{row.anchor}">{escape(row.label)}</a></td>'
                f"<td><code>{row.sha256[:12]}…</code></td><td>{_badge(worst(row.verdicts.values()))}</td>"
                f"<td>{flagged['suspicious']}</td><td>{flagged['inconclusive']}</td></tr>"
            )
        versions_table = "".join(
            _fact(escape(name), escape(value)) for name, value in every_version.items()
        )
        return "\n".join(
            [
                "<!doctype html>",
                '<html lang="en"><head><meta charset="utf-8">',
                '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
                "img-src data:; style-src 'unsafe-inline'\">",
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f"<title>{escape(self.title)}</title><style>{_STYLE}</style></head><body>",
                f"<header><h1>{escape(self.title)}</h1><p>{moment}. Made on this computer by "
                "FigSleuth; no file left it. Scores run from 0 to 1: below 0.35 clean, from "
                "0.65 suspicious, inconclusive between. A verdict is a reason to look, not "
                "proof: read each analysis's reason and its common false alarms.</p></header>",
                '<section class="summary"><h2>Summary</h2>',
                "<table><thead><tr><th>file</th><th>SHA-256</th><th>worst</th>"
                "<th>suspicious by</th><th>inconclusive by</th></tr>"
                f"</thead><tbody>{''.join(summary)}</tbody></table></section>",
                *self._across,
                *self._sections,
                f'<section class="versions"><h2>Versions</h2><table class="facts">'
                f"{versions_table}</table></section>",
                "</body></html>",
            ]
        )


def worst(verdicts: Iterable[str | None]) -> str | None:
    """The most serious of the verdicts (None where there is none)."""
    judged = [verdict for verdict in verdicts if verdict in _RANK]
    return max(judged, key=_RANK.__getitem__) if judged else None


def model_versions(shipped: dict[str, dict[str, Any]] | None = None) -> dict[str, str]:
    """Each model with the start of its SHA-256 and its size, as report rows: ``shipped``
    ({name: {"sha256", "bytes"}}, what the page's build lists) or else the model files
    found natively."""
    if shipped is None:
        shipped = {}
        for name in models.native_models():
            data = models.model_path(name).read_bytes()
            shipped[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    return {
        f"model {name}": f"sha256 {facts['sha256'][:16]}, {facts['bytes']:,} bytes"
        for name, facts in shipped.items()
    }


def _analysis_section(
    analysis_id: str,
    result: Result,
    params: dict[str, Any],
    picture: PILImage.Image,
    scale: float,
    anchor: str,
) -> str:
    entry = ANALYSES.get(analysis_id)
    title = entry.title if entry else analysis_id
    figures = []
    for name, layer in result.maps.items():
        caption = f"{name.replace('_', ' ')}: {layer.legend}"
        levels = layer.to_uint8()
        if layer.kind == "plot":
            plotted = PILImage.fromarray(colorize(levels, layer.colormap), "RGB")
            figures.append(_figure(_data_uri(plotted, lossless=True), caption, "plot"))
        else:
            figures.append(
                _figure(_data_uri(_overlaid(picture, levels, layer.colormap)), caption, "")
            )
    marks_svg = _marks_svg(result.marks, picture, scale)
    if marks_svg:
        figures.append(
            f'<figure><div class="frame"><img src="{_data_uri(picture)}" alt="">'
            f"{marks_svg}</div><figcaption>marks</figcaption></figure>"
        )
    rows = [
        f'<section class="analysis" id="{anchor}-{escape(analysis_id)}">',
        f"<h3>{escape(title)} {_badge(result.verdict, result.score)}</h3>",
        f'<p class="reason">{escape(result.reason)}</p>',
        f'<div class="figures">{"".join(figures)}</div>' if figures else "",
        _findings_table(result.findings),
    ]
    if params:
        rows.append(
            '<table class="facts params"><caption>Parameters</caption>'
            + "".join(_fact(escape(k.replace("_", " ")), escape(str(v))) for k, v in params.items())
            + "</table>"
        )
    if entry:
        rows.append(f'<p class="help">{escape(entry.help)}</p>')
        rows.append(f'<p class="method">{escape(entry.method)}</p>')
    rows.append("</section>")
    return "\n".join(row for row in rows if row)


def _picture(image: Image) -> tuple[PILImage.Image, float]:
    """The image as 8-bit RGB at most MAX_SIDE on its longer side, and its scale."""
    scale = min(1.0, MAX_SIDE / max(image.width, image.height))
    samples = image.rgb8()
    # Gray with or without alpha: its first channel; colour: without alpha.
    rgb = samples[..., :3] if samples.shape[2] >= 3 else np.repeat(samples[..., :1], 3, axis=2)
    picture = PILImage.fromarray(np.ascontiguousarray(rgb), "RGB")
    if scale < 1.0:
        size = (max(round(image.width * scale), 1), max(round(image.height * scale), 1))
        picture = picture.resize(size, PILImage.Resampling.LANCZOS)
    return picture, scale


def _overlaid(picture: PILImage.Image, levels: np.ndarray, colormap: str) -> PILImage.Image:
    """A map's colours over the picture (the map stretched to it, blocks kept sharp)."""
    stretched = PILImage.fromarray(levels, "L").resize(picture.size, PILImage.Resampling.NEAREST)
    colours = colorize(np.asarray(stretched), colormap).astype(np.float32)
    base = np.asarray(picture, np.float32)
    mixed = (1.0 - OVERLAY_ALPHA) * base + OVERLAY_ALPHA * colours
    return PILImage.fromarray(np.rint(mixed).astype(np.uint8), "RGB")


def _marks_svg(marks: list[dict[str, Any]], picture: PILImage.Image, scale: float) -> str:
    """Boxes and matched regions over the picture, as the page draws them: each match's
    two regions in one colour, the copy dashed, joined by a line and numbered."""
    boxes = [mark for mark in marks if mark.get("kind") == "box" and not mark.get("map")]
    matches = [mark for mark in marks if mark.get("kind") == "match" and not mark.get("map")]
    if not matches and len(boxes) < 2:
        return ""
    width, height = picture.size
    stroke = max(1.5, max(width, height) / 400)
    shapes = []

    def points(polygon: list[list[float]]) -> str:
        return " ".join(f"{x * scale:.1f},{y * scale:.1f}" for x, y in polygon)

    def text(x: float, y: float, colour: str, words: str, anchor: str) -> str:
        return (
            f'<text x="{x:.1f}" y="{y:.1f}" fill="{colour}" font-size="{stroke * 9:.1f}" '
            f'text-anchor="{anchor}" dominant-baseline="hanging" stroke="#000" '
            f'stroke-width="{stroke / 3:.2f}" paint-order="stroke">{escape(words)}</text>'
        )

    for mark in boxes:
        left, top, right, bottom = (value * scale for value in mark["box"])
        frame = (
            f'x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" height="{bottom - top:.1f}"'
        )
        shapes.append(f'<rect {frame} fill="none" stroke="#000" stroke-width="{2 * stroke:.1f}"/>')
        shapes.append(f'<rect {frame} fill="none" stroke="#FFF" stroke-width="{stroke:.1f}"/>')
        shapes.append(
            text(left + 2 * stroke, top + 2 * stroke, "#FFF", str(mark.get("label", "")), "start")
        )
    for index, mark in enumerate(matches):
        colour = MATCH_COLOURS[mark.get("group", index) % len(MATCH_COLOURS)]
        source, target = np.asarray(mark["source"], float), np.asarray(mark["target"], float)
        (sx, sy), (tx, ty) = source.mean(axis=0) * scale, target.mean(axis=0) * scale
        shapes.append(
            f'<polygon points="{points(mark["source"])}" fill="none" stroke="{colour}" '
            f'stroke-width="{stroke:.1f}" stroke-dasharray="{3 * stroke:.1f} {2 * stroke:.1f}"/>'
        )
        shapes.append(
            f'<polygon points="{points(mark["target"])}" fill="none" stroke="{colour}" '
            f'stroke-width="{stroke:.1f}"/>'
        )
        shapes.append(
            f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{tx:.1f}" y2="{ty:.1f}" stroke="{colour}" '
            f'stroke-width="{stroke / 2:.1f}"/>'
        )
        shapes.append(text(tx, ty, colour, f"{index + 1}: {mark.get('label', '')}", "middle"))
    return (
        f'<svg viewBox="0 0 {width} {height}" preserveAspectRatio="none" role="img" '
        f'aria-label="{len(matches)} matched pairs, {len(boxes)} boxes">{"".join(shapes)}</svg>'
    )


def _findings_table(findings: list[dict[str, Any]]) -> str:
    """Findings as a table whose columns are the rows' keys (rows with a ``section`` are
    grouped under a heading row), as the page shows them."""
    if not findings:
        return ""
    columns = [key for key in dict.fromkeys(k for row in findings for k in row) if key != "section"]
    body, section = [], None
    for row in findings:
        if "section" in row and row["section"] != section:
            section = row["section"]
            body.append(
                f'<tr class="section"><th colspan="{len(columns)}">{escape(str(section))}</th></tr>'
            )
        body.append("<tr>" + "".join(_cell(row.get(column)) for column in columns) + "</tr>")
    head = "".join(f"<th>{escape(column)}</th>" for column in columns)
    return (
        f'<table class="findings"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return f"<td>{'' if value is None else escape(str(value))}</td>"
    if isinstance(value, int | float):
        shown = f"{value:,}" if isinstance(value, int) else f"{value:.4g}"
        return f'<td class="number">{shown}</td>'
    return f"<td>{escape(str(value))}</td>"


def _fact(name: str, value: str) -> str:
    return f"<tr><th>{name}</th><td>{value}</td></tr>"


def _badge(verdict: str | None, score: float | None = None, small: bool = False) -> str:
    if verdict is None:
        return "" if small else '<span class="badge none">no verdict</span>'
    shown = verdict if score is None else f"{verdict} {score:.2f}"
    return f'<span class="badge {verdict}">{escape(shown)}</span>'


def _figure(uri: str, caption: str, kind: str) -> str:
    return (
        f'<figure class="{kind}"><img src="{uri}" alt="{escape(caption)}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def _data_uri(picture: PILImage.Image, lossless: bool = False) -> str:
    buffer = io.BytesIO()
    if lossless:
        picture.save(buffer, "PNG", optimize=True)
        kind = "png"
    else:
        picture.save(buffer, "JPEG", quality=_JPEG_QUALITY)
        kind = "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"


_STYLE = """
:root { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1d2430; }
body { margin: 0 auto; max-width: 1100px; padding: 1rem 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; overflow-wrap: anywhere; }
h3 { font-size: 1rem; margin: 0 0 .25rem; }
header p { color: #5b6575; margin: 0; }
section.image { border-top: 2px solid #1d2430; margin-top: 1.5rem; }
section.analysis { border: 1px solid #d5dae2; border-radius: 6px; padding: .6rem .8rem;
  margin: .75rem 0; }
table { border-collapse: collapse; margin: .4rem 0; font-size: .9rem; }
th, td { text-align: left; padding: .15rem .5rem; border-top: 1px solid #d5dae2;
  vertical-align: top; overflow-wrap: anywhere; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
tr.section th { color: #1f5fbf; font-size: .8rem; text-transform: uppercase; }
table.facts th { color: #5b6575; font-weight: normal; }
caption { text-align: left; color: #5b6575; font-size: .85rem; }
.badge { display: inline-block; white-space: nowrap; font-size: .8rem; font-weight: 600;
  padding: 0 .4rem; border-radius: 4px; vertical-align: 2px; }
.badge.clean { background: #1b7a43; color: #fff; }
.badge.inconclusive { background: #9a6700; color: #fff; }
.badge.suspicious { background: #b42318; color: #fff; }
.badge.none { border: 1px solid #d5dae2; color: #5b6575; }
.badge.failed { border: 1px solid #b42318; color: #b42318; }
.error { color: #b42318; }
.reason { margin: .3rem 0; }
.help, .method { color: #5b6575; font-size: .85rem; margin: .3rem 0; }
.figures { display: flex; flex-wrap: wrap; gap: .75rem; }
figure { margin: .4rem 0; max-width: 100%; }
figure img { display: block; width: 480px; max-width: 100%; height: auto; }
figure.image img { width: 720px; }
figure.plot img { width: 256px; image-rendering: pixelated; }
figcaption { color: #5b6575; font-size: .8rem; max-width: 520px; }
.frame { position: relative; display: inline-block; }
.frame svg { position: absolute; inset: 0; width: 100%; height: 100%; }
.swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem;
  border-radius: 2px; }
code { font-size: .85rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  figure img { width: 5.5cm; }
  figure.image img { width: 11cm; }
  figure.plot img { width: 4cm; }
  figcaption { max-width: 5.5cm; }
  section.analysis, figure, tr { break-inside: avoid; }
  section.image { break-before: page; }
  a { color: inherit; text-decoration: none; }
  .badge { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""
