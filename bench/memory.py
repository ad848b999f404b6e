#!/usr/bin/env python3
"""Peak memory and time of each default analysis on a large image, natively.

    .venv/bin/python bench/memory.py [--side 7072] [--only ID,ID]

The issue's budget for images up to 50 megapixels is a worker under 2 GB; the browser's
WebAssembly memory cannot pass 4 GB at all. Each analysis runs in a process of its own on
a JPEG (quality 90) of synthetic texture, side x side pixels (7072: 50 megapixels), so its
peak resident memory is its own: the table gives the peak after loading the image and the
peak during the analysis. Writes bench/results/memory.json and bench/results/memory.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image as PILImage  # noqa: E402

from bench.run import run_facts, write_results  # noqa: E402
from pycore import ANALYSES  # noqa: E402
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


def markdown(report: dict) -> str:
    lines = [
        f"# Peak memory per analysis, {report['side']}x{report['side']} JPEG "
        f"({report['megapixels']:.0f} megapixels), natively ({report['date']})",
        "",
        f"{report['machine']}; Python {report['python']}. Each analysis in a process of its "
        "own (`.venv/bin/python bench/memory.py`); resident memory peaks, GB. The peak is "
        "the most the process ever held, so an analysis that needs less than loading did "
        "shows the loading peak.",
        "",
        "| analysis | after loading | during the analysis | seconds |",
        "|---|---:|---:|---:|",
    ]
    for name, row in report["analyses"].items():
        if "error" in row:
            lines.append(f"| {name} | | failed: {row['error']} | |")
        else:
            lines.append(
                f"| {name} | {row['loaded'] / 1e9:.2f} | {row['peak'] / 1e9:.2f} | "
                f"{row['seconds']:.1f} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--side", type=int, default=7072)
    parser.add_argument("--only", help="these analyses only (default: all default ones)")
    args = parser.parse_args()
    chosen = (
        args.only.split(",")
        if args.only
        else [entry.id for entry in ANALYSES.values() if entry.default]
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.jpg"
        PILImage.fromarray(textured_rgb(args.side, args.side, seed=5)).save(path, quality=90)
        rows = {}
        for analysis in chosen:
            rows[analysis] = measure(path, analysis)
            print(analysis, rows[analysis], flush=True)
    report = {
        **run_facts(),
        "side": args.side,
        "megapixels": args.side**2 / 1e6,
        "analyses": rows,
    }
    write_results("memory", report, markdown(report))


if __name__ == "__main__":
    main()
