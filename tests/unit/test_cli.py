"""The command-line contract of DESIGN.md: JSON Lines, maps as PNG, errors per input."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from pycore import ANALYSES
from tests.synthetic import encode, textured_rgb

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pycore", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


@pytest.fixture()
def inputs(tmp_path):
    good_png = tmp_path / "figure.png"
    good_png.write_bytes(encode(textured_rgb(90, 120), "PNG"))
    good_jpeg = tmp_path / "photo.jpg"
    good_jpeg.write_bytes(encode(textured_rgb(64, 64, seed=9), "JPEG", quality=85))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(good_jpeg.read_bytes()[:300])
    return good_png, broken, good_jpeg


def test_json_lines_follow_the_contract(inputs, tmp_path):
    maps_dir = tmp_path / "maps"
    completed = run_cli("analyze", *map(str, inputs), "--json", "--maps-dir", str(maps_dir))
    assert completed.returncode == 1  # one input was bad
    records = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [Path(record["file"]).name for record in records] == [
        "figure.png",
        "broken.jpg",
        "photo.jpg",
    ]

    figure, broken, photo = records
    assert set(broken) == {"file", "error"} and "truncated" in broken["error"]
    assert (figure["width"], figure["height"]) == (120, 90)
    assert set(figure["analyses"]) == {entry.id for entry in ANALYSES.values() if entry.default}
    contract = {"score", "verdict", "reason", "maps", "marks", "findings", "seconds"}
    for record in (figure, photo):
        for entry in record["analyses"].values():
            assert set(entry) - {"plots"} == contract  # plots: an extension, when there are any
            assert entry["seconds"] >= 0
            assert (entry["score"] is None) == (entry["verdict"] is None)
            for path in entry["maps"].values():
                with PILImage.open(path) as written:
                    assert written.mode == "L"
                    assert written.size == (record["width"], record["height"])
            for path in entry.get("plots", {}).values():
                with PILImage.open(path) as written:  # a plot keeps its own axes and size
                    assert written.mode == "L"


def test_map_png_holds_the_map_levels(inputs, tmp_path):
    maps_dir = tmp_path / "maps"
    completed = run_cli(
        "analyze",
        str(inputs[0]),
        "--only",
        "ela",
        "--json",
        "--maps-dir",
        str(maps_dir),
        "--param",
        "ela.amplification=1",
    )
    record = json.loads(completed.stdout)
    path = record["analyses"]["ela"]["maps"]["error_level"]
    levels = np.asarray(PILImage.open(path), dtype=np.float64)
    mean = {row["statistic"]: row["value"] for row in record["analyses"]["ela"]["findings"]}
    # amplification 1: map level = error in 8-bit levels, rounded
    assert levels.mean() == pytest.approx(mean["Mean error level"], abs=0.5)


def test_only_and_params_select_and_configure(inputs):
    completed = run_cli(
        "analyze", str(inputs[0]), "--only", "ela", "--json", "--param", "ela.quality=60"
    )
    assert completed.returncode == 0
    record = json.loads(completed.stdout)
    assert list(record["analyses"]) == ["ela"]
    assert "quality 60" in record["analyses"]["ela"]["reason"]
    assert record["analyses"]["ela"]["maps"] == {"error_level": None}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "nope"], "unknown analysis"),
        (["--param", "ela.quality=5"], "at least 50"),
        (["--param", "quality=5"], "ID.NAME=VALUE"),
    ],
)
def test_bad_options_are_usage_errors(inputs, args, message):
    completed = run_cli("analyze", str(inputs[0]), *args)
    assert completed.returncode == 2
    assert message in completed.stderr


def test_missing_file_is_an_error_record(tmp_path):
    completed = run_cli("analyze", str(tmp_path / "absent.png"), "--json")
    assert completed.returncode == 1
    assert "No such file" in json.loads(completed.stdout)["error"]


def test_human_summary_lists_each_analysis(inputs):
    completed = run_cli("analyze", str(inputs[0]))
    assert completed.returncode == 0
    for analysis_id in ("ela", "metadata", "noise"):
        assert analysis_id in completed.stdout
