"""pycore.report through the command line: one self-contained HTML file, every analysis of
every input in it, text from files shown inert, nothing loaded from anywhere."""

import io
import re
from html.parser import HTMLParser

from PIL import Image as PILImage
from PIL import PngImagePlugin

from pycore import ANALYSES
from pycore.image import load
from pycore.report import Report
from pycore.result import Result
from tests.synthetic import encode, textured_rgb
from tests.unit.test_cli import run_cli

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def png_with_text(text: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", text)
    buffer = io.BytesIO()
    PILImage.fromarray(textured_rgb(96, 128)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


class _References(HTMLParser):
    """Every URL in the document's tags (attributes and inline styles)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "poster", "data") and value:
                self.found.append(value)
            if name == "style" and value:
                self.styles.append(value)

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def references(html: str) -> list[str]:
    """Every URL the document would load or link to, other than inline data and anchors."""
    parser = _References()
    parser.feed(html)
    found = parser.found + [
        url for style in parser.styles for url in re.findall(r"url\(([^)]*)\)", style)
    ]
    return [url for url in found if not url.strip("'\" ").startswith(("data:", "#"))]


def test_the_cli_writes_one_self_contained_report_of_every_input(tmp_path):
    figure = tmp_path / "figure.png"
    figure.write_bytes(png_with_text(HOSTILE))
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(encode(textured_rgb(80, 80, seed=3), "JPEG", quality=85))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(photo.read_bytes()[:200])
    report = tmp_path / "report.html"
    done = run_cli("analyze", str(figure), str(broken), str(photo), "--report", str(report))
    assert done.returncode == 1  # the broken input
    html = report.read_text(encoding="utf-8")

    defaults = [entry.id for entry in ANALYSES.values() if entry.default]
    for number, path in ((1, figure), (3, photo)):
        assert f'id="image-{number}"' in html
        assert load(path.read_bytes(), path.name).sha256 in html
        for analysis_id in defaults:
            assert f'id="image-{number}-{analysis_id}"' in html, analysis_id
    assert "broken.jpg" in html and "unreadable" in html
    # Versions of FigSleuth, its runtime and the models.
    models = ("model ai_generated", "model manipulation", "model coding_cost")
    for name in ("FigSleuth", "onnxruntime", *models):
        assert f"<th>{name}</th>" in html
    # Self-contained and inert: no script at all, nothing to fetch, and a policy that
    # forbids fetching anyway; the hostile metadata is there, as text.
    assert "<script" not in html.lower()
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x" in html
    assert references(html) == []
    assert "default-src 'none'" in html
    assert "@media print" in html


def test_marks_are_drawn_and_the_worst_verdict_leads():
    image = load(encode(textured_rgb(200, 300), "PNG"), "figure.png")
    results = {
        "copy_move": Result(
            reason="copied",
            score=0.9,
            marks=[
                {
                    "kind": "match",
                    "source": [[10, 10], [50, 10], [50, 50], [10, 50]],
                    "target": [[110, 10], [150, 10], [150, 50], [110, 50]],
                    "label": "shifted",
                }
            ],
        ),
        "ela": Result(reason="flat", score=0.1),
    }
    report = Report()
    report.add("figure.png", image, results, {"copy_move": {}, "ela": {"quality": 90}})
    html = report.html()
    section = html[html.index('id="image-1"') :]
    assert section.index("suspicious") < section.index('id="image-1-copy_move"')
    assert html.count("<polygon") == 2 and "1: shifted" in html
    assert "<th>quality</th><td>90</td>" in html
