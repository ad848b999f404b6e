#!/usr/bin/env python3
"""Timings: worker start-up (cold and warm) and each analysis, natively and in the browser.

    .venv/bin/python bench/run.py [--repeats 3]

Needs dist/ (python3 build.py build) and /usr/bin/chromium. Writes bench/results/latest.json
and bench/results/latest.md. Native and browser runs use the same 2048x2048 JPEG for every
analysis, and the duplication analyses are timed again on a 12-panel 2048x2048 figure (one
panel reused) and, natively, on 2048x2048 repetitive content (a tiled pattern), where the
keypoint caps must keep the time bounded; copy_move also on a 1024x1024 JPEG, the largest
image it searches at twice its size and by its grain (pycore.exact_copies).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import pycore  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, start_server  # noqa: E402
from tests.synthetic import assemble_figure, encode, textured_rgb  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SIZE = 2048
SMALL = 1024


DUPLICATION = ("copy_move", "panels", "duplicates")


def test_image() -> bytes:
    return encode(textured_rgb(SIZE, SIZE, seed=11), "JPEG", quality=90)


def figure_image() -> bytes:
    """12 panels (3 x 4) filling 2048 x 2048, panel D a quarter-turned copy of panel A."""
    side = (SIZE - 4 * 16) // 3
    panels = [textured_rgb(side, side, seed=20 + index).mean(axis=2) for index in range(12)]
    panels[3] = np.rot90(panels[0])
    figure, _ = assemble_figure(panels, 3, 16)
    canvas = np.full((SIZE, SIZE), 255, np.uint8)
    height, width = min(SIZE, figure.shape[0]), min(SIZE, figure.shape[1])
    canvas[:height, :width] = figure[:height, :width]
    return encode(canvas, "JPEG", quality=90)


def small_image() -> bytes:
    return encode(textured_rgb(SMALL, SMALL, seed=12), "JPEG", quality=90)


def repetitive_image() -> bytes:
    """A tiled pattern: every keypoint has hundreds of twins."""
    rng = np.random.default_rng(3)
    tile = (rng.random((64, 64)) * 200 + 30).astype(np.uint8)
    return encode(np.tile(tile, (SIZE // 64, SIZE // 64)), "PNG")


def native_timings(data: bytes, repeats: int, only: tuple[str, ...] = ()) -> dict[str, float]:
    """Best-of-`repeats` seconds per default analysis (after one warm-up run), plus load."""
    timings = {}
    start = time.perf_counter()
    image = pycore.load(data, "bench.jpg")
    timings["load"] = time.perf_counter() - start
    for entry in pycore.ANALYSES.values():
        if not entry.default or (only and entry.id not in only):
            continue
        entry.run_sync(image)
        timings[entry.id] = min(entry.run_sync(image).seconds for _ in range(repeats))
    return timings


def browser_timings(url: str, data: bytes, figure: bytes, small: bytes, repeats: int) -> dict:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        cold, warm = [], []
        for _ in range(repeats):
            context = browser.new_context()  # empty HTTP cache: a first visit
            page = context.new_page()
            cold.append(load_page(page, url))
            warm.append(load_page(page, url))  # reload: the HTTP cache is warm
            context.close()
        page = browser.new_page()
        load_page(page, url)
        script = """async ([encoded, repeats, only]) => {
                const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)).buffer;
                const { engine } = window.figsleuth;
                const description = await engine.ready;
                let start = performance.now();
                const facts = await engine.open(bytes, 'bench.jpg');
                const timings = { load: (performance.now() - start) / 1000 };
                for (const analysis of description.analyses.filter(
                  (a) => a.default && (!only.length || only.includes(a.id)))) {
                  await engine.analyze(facts.key, analysis.id, {});  // warm-up
                  const inWorker = [];
                  const roundTrip = [];
                  for (let i = 0; i < repeats; i += 1) {
                    start = performance.now();
                    const result = await engine.analyze(facts.key, analysis.id, {});
                    roundTrip.push((performance.now() - start) / 1000);
                    inWorker.push(result.seconds);
                  }
                  timings[analysis.id] = { python: Math.min(...inWorker),
                                           round_trip: Math.min(...roundTrip) };
                }
                return timings;
            }"""
        encoded = base64.b64encode(data).decode()
        analyses = page.evaluate(script, [encoded, repeats, []])
        encoded = base64.b64encode(figure).decode()
        on_figure = page.evaluate(script, [encoded, repeats, list(DUPLICATION)])
        encoded = base64.b64encode(small).decode()
        on_small = page.evaluate(script, [encoded, repeats, ["copy_move"]])
        version = browser.version
        browser.close()
    return {
        "chromium": version,
        "cold": cold,
        "warm": warm,
        "analyses": analyses,
        "figure": on_figure,
        "small": on_small,
    }


def load_page(page, url: str) -> dict:
    start = time.perf_counter()
    page.goto(url) if page.url != url else page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=120_000)
    wall = time.perf_counter() - start
    startup = page.evaluate("() => window.figsleuth.startup")
    return {"wall_s": wall, "page_ms": startup["pageMs"], **startup["worker"]}


def require_dist() -> None:
    """Stop with a plain message when the page to time is not built."""
    if not (ROOT / "dist" / "index.html").exists():
        sys.exit("dist/ is missing: run python3 build.py build first")


def run_facts() -> dict[str, str]:
    """When and on what a benchmark ran."""
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
        "python": platform.python_version(),
        "pycore": pycore.__version__,
    }


def write_results(stem: str, report: dict, text: str) -> None:
    """bench/results/STEM.json and STEM.md (printed too)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(text)
    print(text)


def summarise(runs: list[dict]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def markdown(report: dict) -> str:
    lines = [
        f"# Benchmark {report['date']}",
        "",
        f"{report['machine']}; {report['browser']['chromium']} headless; image "
        f"{SIZE}x{SIZE} JPEG q90; native Python {report['python']}.",
        "",
        "## Worker start-up (median of runs, ms after the worker started)",
        "",
        "| load | pyodide | packages | pycore installed | ready | page ready | wall (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label in ("cold", "warm"):
        row = report["browser"][f"{label}_median"]
        lines.append(
            f"| {label} | {row['pyodide']:.0f} | {row['packages']:.0f} | "
            f"{row['pycore_installed']:.0f} | {row['ready']:.0f} | "
            f"{row['page_ms']:.0f} | {row['wall_s']:.2f} |"
        )
    lines += [
        "",
        "## Analyses (best of runs, seconds)",
        "",
        "| analysis | native | browser (in worker) | browser (round trip) | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    browser = report["browser"]["analyses"]
    native = report["native"]
    lines.append(
        f"| open (browser: + preview and transfer) | {native['load']:.3f} | | "
        f"{browser['load']:.3f} | {browser['load'] / native['load']:.2f} |"
    )
    for analysis_id, seconds in native.items():
        if analysis_id == "load":
            continue
        measured = browser[analysis_id]
        ratio = measured["python"] / seconds if seconds > 0 else float("nan")
        lines.append(
            f"| {analysis_id} | {seconds:.3f} | {measured['python']:.3f} | "
            f"{measured['round_trip']:.3f} | {ratio:.2f} |"
        )
    lines += [
        "",
        "## Duplication analyses on a 12-panel 2048x2048 figure (best of runs, seconds)",
        "",
        "| analysis | native | browser (in worker) | native, repetitive 2048x2048 pattern |",
        "|---|---:|---:|---:|",
    ]
    for analysis_id in DUPLICATION:
        lines.append(
            f"| {analysis_id} | {report['native_figure'][analysis_id]:.3f} | "
            f"{report['browser']['figure'][analysis_id]['python']:.3f} | "
            f"{report['native_repetitive'][analysis_id]:.3f} |"
        )
    lines += [
        "",
        f"## copy_move on a {SMALL}x{SMALL} JPEG, searched at twice its size and by its grain "
        "(best of runs, seconds)",
        "",
        "| native | browser (in worker) |",
        "|---:|---:|",
        f"| {report['native_small']['copy_move']:.3f} | "
        f"{report['browser']['small']['copy_move']['python']:.3f} |",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    require_dist()
    data, figure, small = test_image(), figure_image(), small_image()
    native = native_timings(data, args.repeats)
    native_figure = native_timings(figure, args.repeats, DUPLICATION)
    native_repetitive = native_timings(repetitive_image(), args.repeats, DUPLICATION)
    native_small = native_timings(small, args.repeats, ("copy_move",))
    server, url = start_server()
    try:
        browser = browser_timings(url, data, figure, small, args.repeats)
    finally:
        server.terminate()
    browser["cold_median"] = summarise(browser["cold"])
    browser["warm_median"] = summarise(browser["warm"])
    report = {
        **run_facts(),
        "native": native,
        "native_figure": native_figure,
        "native_repetitive": native_repetitive,
        "native_small": native_small,
        "browser": browser,
    }
    write_results("latest", report, markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
