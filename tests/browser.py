"""The browser and server set-up shared by the browser tests and the benchmarks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
# Headless, and none of Chromium's own background traffic (it would leave 127.0.0.1).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def start_server(log: IO[str] | int = subprocess.DEVNULL) -> tuple[subprocess.Popen, str]:
    """`build.py serve --no-build` on a free port of 127.0.0.1; returns it and its URL."""
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "serve", "--no-build", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        cwd=ROOT,
    )
    banner = server.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+/", banner)
    if not match:
        server.kill()
        raise RuntimeError(f"the server did not start: {banner!r}")
    return server, match.group(0)
