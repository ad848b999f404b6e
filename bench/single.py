#!/usr/bin/env python3
"""Size and load time of the single-file copy, opened as a file:// URL in Chromium.

    .venv/bin/python bench/single.py [--repeats 3]

Needs dist-single/figsleuth.html (python3 build.py single). Each load is in a new browser,
so nothing is cached: the time until the page is interactive (the file parsed and the
drop zone shown), until the embedded files are unpacked and the page's modules run, and
until the analysis engine is ready. Writes bench/results/single.json and single.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.run import run_facts, write_results  # noqa: E402
from tests.browser import CHROMIUM  # noqa: E402

SINGLE = ROOT / "dist-single" / "figsleuth.html"


def one_load() -> dict[str, float]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page()
        start = time.perf_counter()
        page.goto(SINGLE.as_uri(), wait_until="domcontentloaded")
        parsed = time.perf_counter() - start
        page.wait_for_selector("body[data-ready=true]", timeout=120_000)
        ready = time.perf_counter() - start
        startup = page.evaluate("() => window.figsleuth.startup")
        browser.close()
    return {
        "parsed_s": parsed,
        # When the page's modules ran (the loader had unpacked every embedded file).
        "modules_s": (startup["pageMs"] - max(startup["worker"].values())) / 1000,
        "ready_s": ready,
    }


def markdown(report: dict) -> str:
    timing = report["median"]
    return (
        "# The single-file copy (file://)\n\n"
        f"`.venv/bin/python bench/single.py --repeats {report['repeats']}`, "
        f"{report['facts']['date']}, {report['facts']['machine']}, headless Chromium.\n\n"
        f"- Size: {report['bytes'] / 1e6:.1f} MB\n"
        f"- Parsed, drop zone shown: {timing['parsed_s']:.2f} s (median)\n"
        f"- Embedded files unpacked, page modules running: {timing['modules_s']:.2f} s\n"
        f"- Analysis engine ready: {timing['ready_s']:.2f} s\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not SINGLE.is_file():
        sys.exit(f"{SINGLE.relative_to(ROOT)} is missing: run python3 build.py single first")
    loads = [one_load() for _ in range(args.repeats)]
    report = {
        "facts": run_facts(),
        "repeats": args.repeats,
        "bytes": SINGLE.stat().st_size,
        "loads": loads,
        "median": {key: statistics.median(load[key] for load in loads) for key in loads[0]},
    }
    write_results("single", report, markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
