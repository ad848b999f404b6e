#!/usr/bin/env python3
"""Peak memory and time of each default analysis on a large image, natively.

    .venv/bin/python bench/memory.py [--side 7072] [--only ID,ID] [--browser]

The issue's budget for images up to 50 megapixels is a worker under 2 GB; the browser's
WebAssembly memory cannot pass 4 GB at all. Each analysis runs in a process of its own on
a JPEG (quality 90) of synthetic texture, side x side pixels (7072: 50 megapixels), so its
peak resident memory is its own: the table gives the peak after loading the image and the
peak during the analysis. Writes bench/results/memory.json and bench/results/memory.md.

With --browser (needs dist/, python3 build.py build): the same in the page served by
build.py, each analysis in a new worker, measured as the worker's WebAssembly memory
(Python's heap; it never shrinks, so it is the peak; onnxruntime-web's own memory is not
in it); then all of them one after another in one worker, as the page runs them. Writes
bench/results/memory_browser.json and .md.
"""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image as PILImage  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from bench.run import load_page, require_dist, run_facts, write_results  # noqa: E402
from pycore import ANALYSES  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, start_server  # noqa: E402
from tests.synthetic import textured_rgb  # noqa: E402

# Run in a fresh interpreter: load the image, note the peak, run one analysis, note again.
# The peak is the kernel's high-water mark of this process's own memory (VmHWM): unlike
# getrusage's ru_maxrss, it does not carry over the parent's peak from before exec.
_PROBE = """
import json, sys, time
import pycore
def peak():
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024
image = pycore.load(open(sys.argv[1], "rb").read(), "large.jpg")
image.gray()
loaded = peak()
started = time.perf_counter()
pycore.get(sys.argv[2]).run_sync(image)
print(json.dumps({"loaded": loaded, "peak": peak(), "seconds": time.perf_counter() - started}))
"""


def measure(path: Path, analysis: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), analysis],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.splitlines()[-1])


# In the page: a new worker, the image opened in it, its memory, the analyses one after
# another (the worker keeping each one's result, as for the page), its memory.
_IN_PAGE = """async ([analyses]) => {
    const { engine } = window.figsleuth;
    await engine.restart();
    const opened = await engine.open(window.benchImage.slice(0), 'large.jpg');
    const loaded = await engine.memory();
    const started = performance.now();
    for (const analysis of analyses) {
      try {
        await engine.analyze(opened.key, analysis, {});
      } catch (error) {
        return { loaded, error: `${analysis}: ${error.message}` };
      }
    }
    return { loaded, peak: await engine.memory(), seconds: (performance.now() - started) / 1000 };
}"""


# As a user meets it: the file dropped on a fresh page, which runs and shows every default
# analysis; then the worker's memory, the page's JavaScript heap, and how the cards ended.
_DROP = """(encoded) => {
    const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], 'large.jpg', { type: 'image/jpeg' }));
    const zone = document.querySelector('#drop-zone');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true,
                                               cancelable: true }));
    }
}"""
_AFTER_DROP = """async () => ({
    peak: await window.figsleuth.engine.memory(),
    page_heap: performance.memory.usedJSHeapSize,
    cards: [...document.querySelectorAll('.card')].map((card) => card.dataset.state),
    errors: [...document.querySelectorAll('#messages li.error')].map((item) => item.textContent),
})"""


def dropped_on_page(browser, url: str, path: Path) -> dict:
    page = browser.new_page()
    load_page(page, url)
    started = time.perf_counter()
    page.evaluate(_DROP, base64.b64encode(path.read_bytes()).decode())
    page.wait_for_selector("body[data-analysed='1']", timeout=1_200_000)
    row = page.evaluate(_AFTER_DROP)
    page.close()
    done = sum(state == "done" for state in row.pop("cards"))
    return {**row, "seconds": time.perf_counter() - started, "cards_done": done}


def browser_rows(path: Path, chosen: list[str]) -> dict[str, dict]:
    require_dist()
    server, url = start_server()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            load_page(page, url)
            page.evaluate(
                """(encoded) => {
                    const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
                    window.benchImage = bytes.buffer;
                }""",
                base64.b64encode(path.read_bytes()).decode(),
            )
            rows = {}
            for analysis in chosen:
                rows[analysis] = page.evaluate(_IN_PAGE, [[analysis]])
                print(analysis, rows[analysis], flush=True)
            rows["all, one after another"] = page.evaluate(_IN_PAGE, [chosen])
            print(rows["all, one after another"], flush=True)
            rows["dropped on the page"] = dropped_on_page(browser, url, path)
            print(rows["dropped on the page"], flush=True)
            browser.close()
    finally:
        server.terminate()
    return rows


def markdown(report: dict) -> str:
    place = "in the browser" if report["browser"] else "natively"
    where = (
        "in the browser, as the worker's WebAssembly memory (Python's heap, which never "
        "shrinks; onnxruntime-web's own memory is not in it)"
        if report["browser"]
        else "natively, as each process's resident memory"
    )
    lines = [
        f"# Peak memory per analysis, {report['side']}x{report['side']} JPEG "
        f"({report['megapixels']:.0f} megapixels), {place} ({report['date']})",
        "",
        f"{report['machine']}; Python {report['python']}. Each analysis in a "
        f"{'worker' if report['browser'] else 'process'} of its own "
        f"(`.venv/bin/python bench/memory.py{' --browser' if report['browser'] else ''}`), "
        f"measured {where}; peaks, GB. The peak is the most ever held, so an analysis that "
        "needs less than loading did shows the loading peak.",
        "",
        "| analysis | after loading | during the analysis | seconds |",
        "|---|---:|---:|---:|",
    ]
    for name, row in report["analyses"].items():
        if "error" in row:
            loaded = f"{row['loaded'] / 1e9:.2f}" if "loaded" in row else ""
            lines.append(f"| {name} | {loaded} | failed: {row['error']} | |")
        else:
            loaded = f"{row['loaded'] / 1e9:.2f}" if "loaded" in row else ""
            lines.append(f"| {name} | {loaded} | {row['peak'] / 1e9:.2f} | {row['seconds']:.1f} |")
    page = report["analyses"].get("dropped on the page")
    if page:
        lines += [
            "",
            f"Dropped on the page: {page['cards_done']} analysis cards done, page JavaScript "
            f"heap {page['page_heap'] / 1e9:.2f} GB (the canvases of the image and of the "
            f"overlays shown are outside it), errors shown: {page['errors'] or 'none'}.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--side", type=int, default=7072)
    parser.add_argument("--only", help="these analyses only (default: all default ones)")
    parser.add_argument("--browser", action="store_true", help="in the page, not natively")
    args = parser.parse_args()
    chosen = (
        args.only.split(",")
        if args.only
        else [entry.id for entry in ANALYSES.values() if entry.default]
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.jpg"
        PILImage.fromarray(textured_rgb(args.side, args.side, seed=5)).save(path, quality=90)
        if args.browser:
            rows = browser_rows(path, chosen)
        else:
            rows = {}
            for analysis in chosen:
                rows[analysis] = measure(path, analysis)
                print(analysis, rows[analysis], flush=True)
    report = {
        **run_facts(),
        "side": args.side,
        "megapixels": args.side**2 / 1e6,
        "browser": args.browser,
        "analyses": rows,
    }
    write_results("memory_browser" if args.browser else "memory", report, markdown(report))


if __name__ == "__main__":
    main()
