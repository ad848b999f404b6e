"""Browser tests: the built dist/ served by build.py on 127.0.0.1, driven in Debian's Chromium."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pycore import ANALYSES
from tests.browser import CHROMIUM, CHROMIUM_ARGS, start_server
from tests.onnx_models import GAUSS5_NAME, write_gauss5

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
ARTIFACTS = ROOT / "test-results"
READY_TIMEOUT_MS = 120_000


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The service worker precaches the whole app (60 MB) in every new context: only the
    # offline tests (test_offline.py) let it, the others need the network anyway.
    return {
        **browser_context_args,
        "viewport": {"width": 1280, "height": 800},
        "service_workers": "block",
    }


@dataclass
class Site:
    url: str
    log: Path
    native_models: Path  # the same test models, laid out for pycore.models natively

    def log_lines(self) -> list[str]:
        return self.log.read_text().splitlines()


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Site:
    """dist/ served by `build.py serve --no-build` on a free port, with a test model added."""
    if not (DIST / "index.html").exists():
        pytest.fail("dist/ is not built: run `python3 build.py test`, which builds it first")
    native_models = tmp_path_factory.mktemp("models")
    native_model = write_gauss5(native_models / GAUSS5_NAME / "model.onnx")
    model = DIST / "models" / f"{GAUSS5_NAME}.onnx"  # where build.py puts models/<name>
    shutil.copyfile(native_model, model)
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("w") as log_file:
        server, url = start_server(log_file)
    try:
        yield Site(url, log, native_models)
    finally:
        server.terminate()
        server.wait(timeout=10)
        model.unlink(missing_ok=True)


@pytest.fixture()
def requests_seen(context) -> list[str]:
    """Every URL the page and its workers request, recorded for the whole test."""
    seen: list[str] = []
    context.on("request", lambda request: seen.append(request.url))
    return seen


@pytest.fixture()
def app(page, site, requests_seen):
    """The page, loaded and with its analysis engine ready."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site.url)
    page.wait_for_selector("body[data-ready=true]", timeout=READY_TIMEOUT_MS)
    yield page
    assert not errors, f"uncaught errors on the page: {errors}"


def drop_file(page, data: bytes, name: str, mime: str = "") -> None:
    """Drop a file on the drop zone, as a user dragging it from the desktop would."""
    drop_files(page, [(data, name, mime)])


def drop_files(page, files: list[tuple[bytes, str, str]]) -> None:
    """Drop several files (data, name, mime) at once."""
    page.evaluate(
        """(files) => {
            const transfer = new DataTransfer();
            for (const [encoded, name, mime] of files) {
              const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
              transfer.items.add(new File([bytes], name, { type: mime }));
            }
            const zone = document.querySelector('#drop-zone');
            for (const type of ['dragenter', 'dragover', 'drop']) {
              zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true,
                                                       cancelable: true }));
            }
        }""",
        [[base64.b64encode(data).decode(), name, mime] for data, name, mime in files],
    )


def paste_file(page, data: bytes, name: str, mime: str) -> None:
    page.evaluate(
        """([encoded, name, mime]) => {
            const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: mime }));
            document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer,
                                                                      bubbles: true }));
        }""",
        [base64.b64encode(data).decode(), name, mime],
    )


def wait_analysed(page, count: int, timeout_ms: int = READY_TIMEOUT_MS) -> None:
    page.wait_for_selector(f"body[data-analysed='{count}']", timeout=timeout_ms)


def page_findings(page, analysis_id: str) -> list[list[float | str]]:
    """The findings table of one analysis card, row by row: numbers exact, text as shown.
    Under a section heading, the section is put back as the row's first cell."""
    return page.evaluate(
        """(id) => {
            const rows = [];
            let section = null;
            const selector = `section.card[data-analysis='${id}'] table.findings tbody tr`;
            for (const row of document.querySelectorAll(selector)) {
              if (row.classList.contains('section')) { section = row.textContent; continue; }
              const cells = [...row.cells].map((cell) => (cell.dataset.value !== undefined
                ? Number(cell.dataset.value) : cell.textContent));
              rows.push(section === null ? cells : [section, ...cells]);
            }
            return rows;
        }""",
        analysis_id,
    )


def page_result(page, analysis_id: str) -> dict:
    """The verdict, score and reason one analysis card shows."""
    return page.evaluate(
        """(id) => {
            const card = document.querySelector(`section.card[data-analysis='${id}']`);
            return { verdict: card.querySelector('.verdict').dataset.verdict,
                     reason: card.querySelector('.reason')?.textContent };
        }""",
        analysis_id,
    )


def native_record(path: Path, *options: str) -> dict:
    """The native CLI's JSON record for one file."""
    return native_json("analyze", str(path), "--json", *options)


def native_json(*arguments: str) -> dict:
    """The JSON a native CLI command prints."""
    completed = subprocess.run(
        [sys.executable, "-m", "pycore", *arguments],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    return json.loads(completed.stdout)


def native_findings(record: dict, analysis_id: str) -> list[list[float | str]]:
    """The native findings laid out as the page's table: columns are the rows' keys in
    first-seen order, a row's missing keys are empty cells."""
    rows = record["analyses"][analysis_id]["findings"]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return [["" if row.get(key) is None else row[key] for key in columns] for row in rows]


# Learned detectors' numbers agree between onnxruntime natively and onnxruntime-web (wasm)
# to within this (logits; float32 sums taken in another order), far below any band's
# width; every other analysis agrees to 1e-6. (Their shares of cells could in principle move
# by one cell, 100/N %, if a cell sat exactly on a band's edge.)
LOGIT_TOLERANCE = 1e-4


def assert_same_findings(in_browser: list, native: list, label: str) -> None:
    entry = ANALYSES.get(label)
    tolerance = LOGIT_TOLERANCE if entry is not None and entry.group == "learned" else 1e-6
    assert len(in_browser) == len(native), label
    for page_row, native_row in zip(in_browser, native, strict=True):
        for shown, expected in zip(page_row, native_row, strict=True):
            if isinstance(expected, (int, float)):
                assert shown == pytest.approx(expected, abs=tolerance), (label, native_row)
            else:
                assert shown == str(expected), (label, native_row)
