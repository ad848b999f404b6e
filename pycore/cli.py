"""Command line: ``python -m pycore analyze FILE... [--only ID,ID] [--json] [--maps-dir DIR]``
and ``python -m pycore duplicates FILE... [--json]``.

With ``--json`` each input to ``analyze`` gives one JSON object on its own line (JSON
Lines), the contract that benchmarks and outside evaluations read (see DESIGN.md);
``duplicates`` compares every panel of all the inputs with every other and prints one
object for the set. A PDF input stands for each image embedded in it
(``paper.pdf#page3-img2``). A bad input gives ``{"file", "error"}``, the other inputs still run,
and the exit status is 1 at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from PIL import Image as PILImage

from . import __version__, pdf, reuse
from .blocking import run_blocking
from .image import Image, ImageLoadError, load
from .registry import ANALYSES, Analysis
from .report import Report
from .result import Result


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "list":
        _print_analyses()
        return 0
    if args.command == "duplicates":
        try:
            params = ANALYSES["duplicates"].resolve(_assignments(args.param))
        except ValueError as error:
            parser.error(str(error))
        return _duplicates(args.files, params, args.json)
    try:
        selected = _select(args.only)
        params = _params(args.param, selected)
    except ValueError as error:
        parser.error(str(error))
    maps_dir = Path(args.maps_dir) if args.maps_dir else None
    if maps_dir:
        maps_dir.mkdir(parents=True, exist_ok=True)
    report = Report() if args.report else None
    try:
        status = run_blocking(
            _analyze_all(args.files, selected, params, maps_dir, args.json, report)
        )
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    if report is not None:
        Path(args.report).write_text(report.html(_runtime_versions()), encoding="utf-8")
    return status


def _runtime_versions() -> dict[str, str]:
    """The native model runtime's version (the report names the rest)."""
    # Imported here: only a report needs it, and it is slow to import.
    import onnxruntime

    return {"onnxruntime": onnxruntime.__version__}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pycore", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"FigSleuth pycore {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    analyze = commands.add_parser("analyze", help="analyse image files")
    analyze.add_argument("files", nargs="+", metavar="FILE")
    analyze.add_argument(
        "--only", metavar="ID,ID", help="run only these analyses (default: all default ones)"
    )
    analyze.add_argument("--json", action="store_true", help="print JSON Lines, one per input")
    analyze.add_argument(
        "--maps-dir", metavar="DIR", help="write each map as an 8-bit PNG (255 = most suspicious)"
    )
    analyze.add_argument(
        "--report",
        metavar="FILE.html",
        help="also write one self-contained HTML report of all inputs (as the page's)",
    )
    analyze.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="ID.NAME=VALUE",
        help="set a parameter, e.g. ela.quality=75 (repeatable)",
    )
    across = commands.add_parser(
        "duplicates", help="find panels reused across image files (and within each)"
    )
    across.add_argument("files", nargs="+", metavar="FILE")
    across.add_argument("--json", action="store_true", help="print one JSON object")
    across.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter of the duplicates analysis, e.g. min_matches=10",
    )
    commands.add_parser("list", help="list the analyses and their parameters")
    return parser


def _assignments(assignments: list[str]) -> dict[str, str]:
    given = {}
    for assignment in assignments:
        name, separator, value = assignment.partition("=")
        if not separator:
            raise ValueError(f"--param takes NAME=VALUE, got {assignment!r}")
        given[name] = value
    return given


def _duplicates(files: list[str], params: dict[str, Any], as_json: bool) -> int:
    """Compare the readable ``files`` with each other; unreadable ones are reported."""
    images, paths, errors = [], [], []
    for file_name in files:
        for label, loaded in _inputs(file_name):
            if isinstance(loaded, Image):
                images.append(loaded)
                paths.append(label)
            else:
                errors.append(loaded)
    report = reuse.compare(images, **params)
    for entry, file_name in zip(report["images"], paths, strict=True):
        entry["file"] = file_name
    report["errors"] = errors
    if as_json:
        print(json.dumps(report))
    else:
        _print_duplicates(report)
    return 1 if errors else 0


def _print_duplicates(report: dict[str, Any]) -> None:
    for error in report["errors"]:
        print(f"{error['file']}: ERROR {error['error']}")
    print(f"{report['verdict']} ({report['score']:.2f}): {report['reason']}")
    for pair in report["pairs"]:
        sides = [
            f"{report['images'][side['image']]['file']} panel {side['panel']}"
            for side in (pair["first"], pair["second"])
        ]
        print(
            f"  {sides[0]} -> {sides[1]}: {pair['transform']['description']} "
            f"({pair['matches']} matches, {pair['pixels']} px)"
        )


def _select(only: str | None) -> list[Analysis]:
    if not only:
        return [entry for entry in ANALYSES.values() if entry.default]
    chosen = []
    for analysis_id in (part.strip() for part in only.split(",") if part.strip()):
        if analysis_id not in ANALYSES:
            raise ValueError(f"unknown analysis {analysis_id!r}; known: {', '.join(ANALYSES)}")
        chosen.append(ANALYSES[analysis_id])
    return chosen


def _params(assignments: list[str], selected: list[Analysis]) -> dict[str, dict[str, Any]]:
    """``ID.NAME=VALUE`` options grouped by analysis and checked against the registry."""
    given: dict[str, dict[str, Any]] = {entry.id: {} for entry in selected}
    for assignment in assignments:
        key, separator, value = assignment.partition("=")
        analysis_id, dot, name = key.partition(".")
        if not separator or not dot:
            raise ValueError(f"--param takes ID.NAME=VALUE, got {assignment!r}")
        if analysis_id not in given:
            raise ValueError(f"--param {assignment!r}: {analysis_id!r} is not being run")
        given[analysis_id][name] = value
    return {entry.id: entry.resolve(given[entry.id]) for entry in selected}


async def _analyze_all(
    files: list[str],
    selected: list[Analysis],
    params: dict[str, dict[str, Any]],
    maps_dir: Path | None,
    as_json: bool,
    report: Report | None = None,
) -> int:
    failed = False
    for file_name in files:
        for label, loaded in _inputs(file_name):
            record = await analyze_image(label, loaded, selected, params, maps_dir, report)
            failed = (
                failed
                or "error" in record
                or any("error" in entry for entry in record.get("analyses", {}).values())
            )
            if as_json:
                print(json.dumps(record), flush=True)
            else:
                _print_summary(record)
    return 1 if failed else 0


async def analyze_image(
    label: str,
    image: Image | dict[str, str],
    selected: list[Analysis],
    params: dict[str, dict[str, Any]],
    maps_dir: Path | None,
    report: Report | None = None,
) -> dict[str, Any]:
    """The contract's record for one image; one that could not be read keeps its error.
    With ``report``, the image and its results are added to it."""
    if not isinstance(image, Image):
        if report is not None:
            report.add_error(label, image["error"])
        return image
    record: dict[str, Any] = {
        "file": label,
        "width": image.width,
        "height": image.height,
        "analyses": {},
    }
    results, errors = {}, {}
    for entry in selected:
        try:
            result = await entry.run(image, params[entry.id])
            paths = _write_maps(result, image, entry.id, maps_dir) if maps_dir else None
        except Exception as error:  # one failing analysis must not lose the others
            errors[entry.id] = f"{type(error).__name__}: {error}"
            record["analyses"][entry.id] = {"error": errors[entry.id]}
            continue
        results[entry.id] = result
        record["analyses"][entry.id] = result.to_json(paths)
    if report is not None:
        report.add(label, image, results, params, errors)
    return record


def _inputs(file_name: str) -> Iterator[tuple[str, Image | dict[str, str]]]:
    """The images an input holds - one for an image file, one per embedded image for a
    PDF (labelled ``paper.pdf#page3-img2``) - each with its label for the records, as an
    Image or as ``{"file", "error"}`` with a message for the user."""
    path = Path(file_name)
    try:
        data = path.read_bytes()
    except OSError as error:
        yield file_name, {"file": file_name, "error": f"{path.name}: {error.strerror or error}"}
        return
    if not pdf.is_pdf(data):
        yield file_name, _load(data, file_name, path.name)
        return
    try:
        embedded = pdf.extract_images(data, file_name)
    except pdf.PdfError as error:
        yield file_name, {"file": file_name, "error": str(error)}
        return
    if not embedded:
        yield file_name, {"file": file_name, "error": f"{path.name} holds no images"}
    for entry in embedded:
        if entry.error:
            yield entry.name, {"file": entry.name, "error": entry.error}
        else:
            yield entry.name, _load(entry.data, entry.name, Path(entry.name).name)


def _load(data: bytes, label: str, name: str) -> Image | dict[str, str]:
    """The image in a file's bytes, or ``{"file", "error"}`` with a message for the user."""
    try:
        return load(data, name)
    except ImageLoadError as error:
        return {"file": label, "error": str(error)}
    except Exception as error:  # e.g. MemoryError: this file fails, the batch goes on
        return {"file": label, "error": f"{name}: {type(error).__name__}: {error}"}


def _write_maps(result: Result, image: Image, analysis_id: str, maps_dir: Path) -> dict[str, str]:
    """Each map as an 8-bit grayscale PNG: overlays at the image's size, plots at their own."""
    paths = {}
    stem = f"{Path(image.name).stem}-{image.sha256[:8]}"
    for name, layer in result.maps.items():
        picture = PILImage.fromarray(layer.to_uint8(), "L")
        if layer.kind == "overlay" and picture.size != (image.width, image.height):
            picture = picture.resize((image.width, image.height), PILImage.Resampling.NEAREST)
        path = maps_dir / f"{stem}.{analysis_id}.{name}.png"
        picture.save(path)
        paths[name] = str(path)
    return paths


def _print_summary(record: dict[str, Any]) -> None:
    if "error" in record:
        print(f"{record['file']}: ERROR {record['error']}")
        return
    print(f"{record['file']} ({record['width']} x {record['height']})")
    for analysis_id, entry in record["analyses"].items():
        if "error" in entry:
            print(f"  {analysis_id:<12} ERROR {entry['error']}")
            continue
        judged = f"{entry['verdict']} ({entry['score']:.2f})" if entry["verdict"] else "-"
        print(f"  {analysis_id:<12} {judged:<22} {entry['reason']} [{entry['seconds']:.2f} s]")


def _print_analyses() -> None:
    for entry in ANALYSES.values():
        print(f"{entry.id:<12} {entry.title} ({entry.group}){'' if entry.default else ' [opt-in]'}")
        for spec in entry.params:
            bounds = (
                f" [{spec.param.minimum:g}..{spec.param.maximum:g}]"
                if (spec.param.minimum is not None and spec.param.maximum is not None)
                else ""
            )
            print(f"    {spec.name}={spec.default}{bounds}  {spec.param.help}")
