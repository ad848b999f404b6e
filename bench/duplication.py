#!/usr/bin/env python3
"""Duplication: copy-move, panel splitting and reused panels on cases made from real images.

    .venv/bin/python bench/duplication.py [--workers N] [--per-kind 90]

Cases (seeded, so every run builds the same set), from the real images in
../shared/data/real and the host blots of ../shared/data/tamper/wb_auto_polimi (each of
its images has a synthetic patch pasted in: a host gives the largest square, 184-192
pixels, that one of its images has clear of the patch):

- single images (crops up to 512 pixels, and the blot squares; images with a standard
  deviation under 8 levels, nearly blank, are passed over): half authentic, half with a
  region with content (rectangle or ellipse, 1.5-5% of the image) copied elsewhere,
  moved as is, rotated (90, 180 or any angle), flipped, scaled (0.6-1.6) or with its
  brightness and contrast changed, and saved as JPEG (quality 70-95) half of the time;
- figures: 4 to 9 square panels, each a crop of an image from a different folder, in a
  grid with white, black or no gutters; half authentic, half with one panel shown again in
  place of another - as is, rotated, flipped, a cropped window of it enlarged, or with its
  contrast changed - and saved as JPEG (quality 75-95) half of the time.

Predictions are what FigSleuth reports: the matched regions of copy_move and duplicates
(both outlines of each match, drawn as masks), one instance per match, instances of the
two analyses that mostly overlap merged. Scoring follows the Recod.ai/LUC scientific image
forgery competition: an authentic image scores 1 if nothing is predicted, else 0; a forged
image scores the F1 of its instances - predicted and true instances paired by the
Hungarian method on pixel F1, the matched F1 summed over the true instances and divided
by max(predicted, true) - and the score is the mean over images. A true instance is both
copies of a duplicated region (source and target). Also: panel-pair precision and recall
of duplicates on the figures, and the share of true panel boxes that panels finds with IoU
at least 0.7. Last, copy_move's and duplicates' verdicts on every real image as it is: all
genuine, so any verdict but clean is a false alarm.

Writes bench/results/duplication.json and bench/results/duplication.md.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw
from scipy import ndimage, optimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pycore  # noqa: E402
from tests.synthetic import assemble_figure  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
REAL = DATA / "real"
BLOTS = DATA / "tamper" / "wb_auto_polimi" / "tampered"
RESULTS = ROOT / "bench" / "results"
SINGLE_SIDE = 512
COPY_TRANSFORMS = ("shift", "rotate90", "rotate180", "rotate_any", "flip", "scale", "contrast")
REUSE_TRANSFORMS = ("same", "rotate90", "rotate180", "flip", "crop", "contrast")
# Least standard deviation (levels) of a copied region, and of a host image: below it
# there is nothing to copy or to see.
_MIN_CONTENT = 8.0
_MIN_BLOT_SIDE = 160  # pixels of a blot host clear of its synthetic patch


@dataclass
class Case:
    """An encoded image, its true duplicated instances (masks), and for figures the panels."""

    name: str
    kind: str  # single | blot | figure
    transform: str  # authentic, or how the copy was made
    data: bytes
    instances: list[np.ndarray] = field(default_factory=list)
    panels: list[tuple[int, int, int, int]] = field(default_factory=list)
    reused_pair: tuple[int, int] | None = None  # (source panel, target panel)


# ---- Sources --------------------------------------------------------------------------


def real_sources() -> dict[str, list[np.ndarray]]:
    """8-bit gray versions of the readable real images, grouped by folder: a folder's
    images may show the same specimen, so a figure takes at most one per group. The ISBI
    2012 slices are one group (serial sections of one tissue), and its label images,
    drawings rather than images, are left out."""
    if not REAL.exists():
        sys.exit(f"{REAL} is missing: this benchmark needs ../shared/data/real")
    groups: dict[str, list[np.ndarray]] = {}
    for path in sorted(REAL.rglob("*")):
        if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".tif", ".tiff"):
            continue
        try:
            image = pycore.load(path.read_bytes(), path.name)
        except pycore.ImageLoadError:
            continue
        gray = np.clip(np.rint(image.gray() * (255.0 / max(image.gray().max(), 1e-9))), 0, 255)
        if min(gray.shape) < 160 or gray.std() < 8:  # too small, or nearly blank
            continue
        folder = path.parent.relative_to(REAL)
        if folder.parts[0] == "em_isbi2012_unet":
            if "label" in folder.parts:
                continue
            folder = Path(folder.parts[0])
        groups.setdefault(str(folder), []).append(gray.astype(np.uint8))
    return groups


def blot_hosts() -> list[np.ndarray]:
    """One genuine square per host blot. Every image of the set has a synthetic 64x64
    patch pasted in (its mask beside it): of a host's images (named
    ..._<host>_patch_NNN.png), the one whose patch leaves the largest square untouched
    gives that square, if it is at least _MIN_BLOT_SIDE pixels wide."""
    if not BLOTS.exists():
        sys.exit(f"{BLOTS} is missing: this benchmark needs ../shared/data/tamper")
    best: dict[str, tuple[int, Path, tuple[int, int]]] = {}
    for path in sorted(BLOTS.glob("*.png")):
        host = path.stem.split("_patch_")[0].split("_", 2)[-1]
        patch = np.asarray(PILImage.open(BLOTS.parent / "mask" / path.name).convert("L")) > 127
        side, corner = _largest_clear_square(patch)
        if side > best.get(host, (0,))[0]:
            best[host] = (side, path, corner)
    hosts = []
    for side, path, (top, left) in best.values():
        if side >= _MIN_BLOT_SIDE:
            pixels = np.asarray(PILImage.open(path).convert("L"), dtype=np.uint8)
            hosts.append(pixels[top : top + side, left : left + side])
    return hosts


def _largest_clear_square(patch: np.ndarray) -> tuple[int, tuple[int, int]]:
    """The side and (top, left) corner of the largest square at an image corner that
    avoids the True pixels of ``patch`` (one rectangle)."""
    height, width = patch.shape
    rows, cols = np.nonzero(patch)
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    # Beside the patch (left, right, above or below it), as large as the image allows.
    options = [
        (min(left, height), (0, 0)),
        (min(width - right, height), (0, right)),
        (min(top, width), (0, 0)),
        (min(height - bottom, width), (bottom, 0)),
    ]
    return max(options, key=lambda option: option[0])


def crop(gray: np.ndarray, side: int, rng: np.random.Generator) -> np.ndarray:
    top = int(rng.integers(0, gray.shape[0] - min(side, gray.shape[0]) + 1))
    left = int(rng.integers(0, gray.shape[1] - min(side, gray.shape[1]) + 1))
    return gray[top : top + side, left : left + side]


def encode(pixels: np.ndarray, quality: int | None) -> bytes:
    buffer = io.BytesIO()
    picture = PILImage.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8))
    picture.save(
        buffer, format="JPEG" if quality else "PNG", **({"quality": quality} if quality else {})
    )
    return buffer.getvalue()


# ---- Copy-move within one image ---------------------------------------------------------


def copy_move_case(
    name: str, kind: str, host: np.ndarray, transform: str, rng: np.random.Generator
) -> Case:
    """``host`` with a region copied elsewhere under ``transform`` (or left as is)."""
    quality = int(rng.integers(70, 96)) if rng.random() < 0.5 else None
    if transform == "authentic":
        return Case(name, kind, transform, encode(host, quality))
    height, width = host.shape
    for _ in range(400):
        side = rng.uniform(0.15, 0.3) * min(height, width)
        ellipse = rng.random() < 0.5
        # Whole pixels: a copy moved, flipped or turned by quarter turns keeps its pixels
        # exactly, as in an image editor.
        centre = np.rint(rng.uniform([side, side], [width - side, height - side]))
        source_mask = _shape_mask(host.shape, centre, side, ellipse)
        if host[source_mask].std() < max(1.5 * _MIN_CONTENT, host.std()):
            continue  # forgers copy cells and bands, not empty background
        angle, scale, flip = 0.0, 1.0, False
        if transform == "rotate90":
            angle = 90.0
        elif transform == "rotate180":
            angle = 180.0
        elif transform == "rotate_any":
            angle = float(rng.uniform(10, 350))
        elif transform == "flip":
            flip = True
        elif transform == "scale":
            scale = float(rng.choice([rng.uniform(0.6, 0.85), rng.uniform(1.2, 1.6)]))
        reach = side * scale * 0.75
        target = np.rint(rng.uniform([reach, reach], [width - reach, height - reach]))
        # Each target pixel w comes from z = centre + R^-1 (w - target) / scale, mirrored.
        yy, xx = np.mgrid[:height, :width].astype(np.float64)
        offset = ((xx - target[0]) + 1j * (yy - target[1])) * np.exp(-1j * math.radians(angle))
        offset /= scale
        if flip:
            offset = -np.conj(offset)  # a horizontal flip about the region's centre
        source_x, source_y = centre[0] + offset.real, centre[1] + offset.imag
        target_mask = (
            ndimage.map_coordinates(
                source_mask.astype(np.float32), [source_y, source_x], order=0, cval=0
            )
            > 0.5
        )
        if target_mask.sum() < 0.5 * source_mask.sum() * min(scale, 1) ** 2:
            continue  # fell off the image
        if (ndimage.binary_dilation(source_mask, iterations=4) & target_mask).any():
            continue  # overlapping copies: try another place
        values = ndimage.map_coordinates(host.astype(np.float64), [source_y, source_x], order=1)
        if transform == "contrast":
            gain, offset_level = rng.uniform(0.7, 1.4), rng.uniform(-20, 20)
            values = (
                (values - values[target_mask].mean()) * gain
                + values[target_mask].mean()
                + offset_level
            )
        pixels = np.where(target_mask, values, host)
        return Case(name, kind, transform, encode(pixels, quality), [source_mask | target_mask])
    raise RuntimeError(f"no place for a copy in {name}")


def _shape_mask(
    shape: tuple[int, int], centre: np.ndarray, side: float, ellipse: bool
) -> np.ndarray:
    yy, xx = np.ogrid[: shape[0], : shape[1]]
    half = side / 2
    if ellipse:
        return ((xx - centre[0]) / half) ** 2 + ((yy - centre[1]) / (0.7 * half)) ** 2 <= 1
    return (np.abs(xx - centre[0]) <= half) & (np.abs(yy - centre[1]) <= 0.7 * half)


# ---- Figures ------------------------------------------------------------------------------


def figure_case(
    name: str, groups: dict[str, list[np.ndarray]], transform: str, rng: np.random.Generator
) -> Case:
    """A grid of panels from different folders; one shown again under ``transform``."""
    count = int(rng.integers(4, 10))
    columns = {4: 2, 5: 3, 6: 3, 7: 4, 8: 4, 9: 3}[count]
    side = int(rng.integers(170, 290))
    folders = [key for key in groups if any(min(g.shape) >= side for g in groups[key])]
    chosen = rng.choice(len(folders), size=count, replace=False)
    panels = []
    for index in chosen:
        usable = [g for g in groups[folders[index]] if min(g.shape) >= side]
        panels.append(crop(usable[int(rng.integers(len(usable)))], side, rng).astype(np.float64))
    reused_pair, source_window = None, None
    if transform != "authentic":
        source, target = (int(value) for value in rng.choice(count, size=2, replace=False))
        panel = panels[source]
        window = (0, 0, side, side)
        if transform == "rotate90":
            copy = np.rot90(panel)
        elif transform == "rotate180":
            copy = np.rot90(panel, 2)
        elif transform == "flip":
            copy = panel[:, ::-1] if rng.random() < 0.5 else panel[::-1]
        elif transform == "crop":
            inner = int(side * rng.uniform(0.55, 0.85))
            top, left = (int(value) for value in rng.integers(0, side - inner + 1, size=2))
            window = (left, top, left + inner, top + inner)
            copy = ndimage.zoom(
                panel[top : top + inner, left : left + inner], side / inner, order=1
            )
            copy = copy[:side, :side]
        elif transform == "contrast":
            copy = (panel - panel.mean()) * rng.uniform(0.7, 1.4) + panel.mean()
            copy += rng.uniform(-20, 20)
        else:
            copy = panel.copy()
        panels[target] = np.clip(copy, 0, 255)
        reused_pair, source_window = (source, target), window
    gutter = int(rng.choice([0, 4, 10, 16]))
    background = int(rng.choice([255, 255, 0]))
    figure, boxes = assemble_figure(panels, columns, gutter, background, letters=gutter >= 10)
    quality = int(rng.integers(75, 96)) if rng.random() < 0.5 else None
    instances = []
    if reused_pair is not None:
        source, target = reused_pair
        truth = np.zeros(figure.shape, bool)
        left, top = boxes[source][:2]
        truth[
            top + source_window[1] : top + source_window[3],
            left + source_window[0] : left + source_window[2],
        ] = True
        left, top, right, bottom = boxes[target]
        truth[top:bottom, left:right] = True
        instances = [truth]
    return Case(
        name,
        "figure",
        transform,
        encode(figure, quality),
        instances,
        boxes,
        reused_pair,
    )


def build_cases(per_kind: int, seed: int = 0) -> list[Case]:
    rng = np.random.default_rng(seed)
    groups = real_sources()
    singles = [image for images in groups.values() for image in images]
    blots = blot_hosts()
    cases = []
    for kind, count in (("single", per_kind), ("blot", per_kind)):
        for index in range(count):  # authentic and copy-moved alternately
            transform = "authentic" if index % 2 == 0 else COPY_TRANSFORMS[index // 2 % 7]
            while True:  # hosts with nothing to copy are passed over
                if kind == "single":
                    host = crop(singles[int(rng.integers(len(singles)))], SINGLE_SIDE, rng)
                else:
                    host = blots[int(rng.integers(len(blots)))]
                if host.std() < _MIN_CONTENT:
                    continue
                try:
                    case = copy_move_case(f"{kind}-{index:03d}", kind, host, transform, rng)
                except RuntimeError:
                    continue
                break
            cases.append(case)
    for index in range(per_kind * 2):
        transform = "authentic" if index % 2 == 0 else REUSE_TRANSFORMS[index // 2 % 6]
        cases.append(figure_case(f"figure-{index:03d}", groups, transform, rng))
    return cases


ANALYSED = ("copy_move", "duplicates")

# ---- Running and scoring --------------------------------------------------------------


def predict(case: Case) -> dict:
    """What FigSleuth reports for one case: instances, panels and reused panel pairs."""
    image = pycore.load(case.data, case.name)
    start = time.perf_counter()
    copy_move = pycore.get("copy_move").run_sync(image)
    duplicates = pycore.get("duplicates").run_sync(image)
    panels = pycore.get("panels").run_sync(image)
    seconds = time.perf_counter() - start
    shape = (image.height, image.width)
    instances: list[np.ndarray] = []
    for mark in copy_move.marks + duplicates.marks:
        mask = _polygon_mask(shape, mark["source"]) | _polygon_mask(shape, mark["target"])
        for index, known in enumerate(instances):
            # The same copy reported by both analyses: one outline mostly inside the other.
            if (mask & known).sum() >= 0.5 * min(mask.sum(), known.sum()):
                instances[index] = known | mask
                break
        else:
            instances.append(mask)
    pairs = []
    for mark in duplicates.marks:
        ends = [_panel_at(case.panels, _centre(mark[key])) for key in ("source", "target")]
        pairs.append(tuple(sorted(ends)) if None not in ends else None)
    return {
        "instances": instances,
        "panels": [mark["box"] for mark in panels.marks],
        "pairs": pairs,
        "verdicts": {"copy_move": copy_move.verdict, "duplicates": duplicates.verdict},
        "seconds": seconds,
    }


def score_case(case: Case, predicted: list[np.ndarray]) -> float:
    """The Recod.ai/LUC rule for one image."""
    if not case.instances:
        return 1.0 if not predicted else 0.0
    if not predicted:
        return 0.0
    f1 = np.array([[_f1(p, t) for t in case.instances] for p in predicted])
    rows, columns = optimize.linear_sum_assignment(f1, maximize=True)
    matched = f1[rows, columns].sum()
    return float(matched / max(len(predicted), len(case.instances)))


def _f1(predicted: np.ndarray, truth: np.ndarray) -> float:
    overlap = (predicted & truth).sum()
    return float(2 * overlap / max(predicted.sum() + truth.sum(), 1))


def _polygon_mask(shape: tuple[int, int], polygon: list[list[float]]) -> np.ndarray:
    canvas = PILImage.new("1", (shape[1], shape[0]), 0)
    if len(polygon) >= 3:
        ImageDraw.Draw(canvas).polygon([tuple(point) for point in polygon], fill=1)
    return np.asarray(canvas, dtype=bool)


def _centre(polygon: list[list[float]]) -> tuple[float, float]:
    points = np.asarray(polygon, dtype=float)
    return float(points[:, 0].mean()), float(points[:, 1].mean())


def _panel_at(boxes: list[tuple[int, int, int, int]], point: tuple[float, float]) -> int | None:
    for index, (left, top, right, bottom) in enumerate(boxes):
        if left <= point[0] < right and top <= point[1] < bottom:
            return index
    return None


def _box_iou(first: list[int] | tuple[int, ...], second: list[int] | tuple[int, ...]) -> float:
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    inter = max(width, 0) * max(height, 0)
    area_first = (first[2] - first[0]) * (first[3] - first[1])
    area_second = (second[2] - second[0]) * (second[3] - second[1])
    return inter / max(area_first + area_second - inter, 1)


def evaluate(case: Case) -> dict:
    predicted = predict(case)
    record = {
        "name": case.name,
        "kind": case.kind,
        "transform": case.transform,
        "score": score_case(case, predicted["instances"]),
        "predicted_instances": len(predicted["instances"]),
        "verdicts": predicted["verdicts"],
        "seconds": predicted["seconds"],
    }
    if case.kind == "figure":
        record["panels_true"] = len(case.panels)
        record["panels_found"] = sum(
            any(_box_iou(box, truth) >= 0.7 for box in predicted["panels"]) for truth in case.panels
        )
        truth_pair = tuple(sorted(case.reused_pair)) if case.reused_pair else None
        record["pairs_predicted"] = len(predicted["pairs"])
        record["pairs_correct"] = sum(pair == truth_pair for pair in set(predicted["pairs"]))
        record["pair_found"] = truth_pair is not None and truth_pair in predicted["pairs"]
    return record


def whole_image_verdicts(path: Path) -> dict | None:
    """copy_move's and duplicates' verdicts on one real image as it is (None if unreadable):
    every one is genuine, so any verdict but clean is a false alarm."""
    try:
        image = pycore.load(path.read_bytes(), path.name)
    except pycore.ImageLoadError:
        return None
    return {
        "file": str(path.relative_to(REAL)),
        **{analysis: pycore.get(analysis).run_sync(image).verdict for analysis in ANALYSED},
    }


def real_image_paths() -> list[Path]:
    suffixes = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
    return [path for path in sorted(REAL.rglob("*")) if path.suffix.lower() in suffixes]


# ---- Report -------------------------------------------------------------------------------


def summarise(records: list[dict]) -> dict:
    def mean(values: list[float]) -> float | None:
        return float(np.mean(values)) if values else None

    authentic = [r for r in records if r["transform"] == "authentic"]
    forged = [r for r in records if r["transform"] != "authentic"]
    figures = [r for r in records if r["kind"] == "figure"]
    summary = {
        "cases": len(records),
        "score": mean([r["score"] for r in records]),
        "score_forged": mean([r["score"] for r in forged]),
        "false_alarms": mean([r["predicted_instances"] > 0 for r in authentic]),
        "suspicious_verdicts_on_authentic": {
            analysis: mean([r["verdicts"][analysis] == "suspicious" for r in authentic])
            for analysis in ("copy_move", "duplicates")
        },
        "detected_forged": mean([r["predicted_instances"] > 0 for r in forged]),
        "by_kind": {},
        "by_transform": {},
        "panel_box_recall": sum(r["panels_found"] for r in figures)
        / max(sum(r["panels_true"] for r in figures), 1),
        "pair_precision": sum(r["pairs_correct"] for r in figures)
        / max(sum(r["pairs_predicted"] for r in figures), 1),
        "pair_recall": mean([r["pair_found"] for r in figures if r["transform"] != "authentic"]),
        "seconds_median": float(np.median([r["seconds"] for r in records])),
        "seconds_max": float(np.max([r["seconds"] for r in records])),
    }
    for kind in ("single", "blot", "figure"):
        of_kind = [r for r in records if r["kind"] == kind]
        summary["by_kind"][kind] = {
            "cases": len(of_kind),
            "score": mean([r["score"] for r in of_kind]),
            "false_alarms": mean(
                [r["predicted_instances"] > 0 for r in of_kind if r["transform"] == "authentic"]
            ),
            "score_forged": mean([r["score"] for r in of_kind if r["transform"] != "authentic"]),
        }
    for transform in sorted({r["transform"] for r in forged}):
        chosen = [r for r in forged if r["transform"] == transform]
        summary["by_transform"][transform] = {
            "cases": len(chosen),
            "score": mean([r["score"] for r in chosen]),
            "detected": mean([r["predicted_instances"] > 0 for r in chosen]),
        }
    return summary


def real_alarms(verdicts: list[dict]) -> dict:
    return {
        analysis: {
            "images": len(verdicts),
            "suspicious": float(np.mean([entry[analysis] == "suspicious" for entry in verdicts])),
            "inconclusive": float(
                np.mean([entry[analysis] == "inconclusive" for entry in verdicts])
            ),
        }
        for analysis in ANALYSED
    }


def markdown(report: dict) -> str:
    summary = report["summary"]
    lines = [
        f"# Duplication benchmark ({report['date']})",
        "",
        f"{summary['cases']} cases built by bench/duplication.py (seed 0) from "
        "../shared/data/real and the wb_auto_polimi host blots; copy_move, duplicates and "
        f"panels at their defaults; {report['machine']}, Python {report['python']}.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| score (Recod.ai/LUC rule, all cases) | {summary['score']:.3f} |",
        f"| score on forged cases | {summary['score_forged']:.3f} |",
        f"| forged cases with a prediction | {summary['detected_forged']:.1%} |",
        f"| false alarms: authentic cases with any prediction | {summary['false_alarms']:.1%} |",
        "| copy_move suspicious on authentic | "
        f"{summary['suspicious_verdicts_on_authentic']['copy_move']:.1%} |",
        "| duplicates suspicious on authentic | "
        f"{summary['suspicious_verdicts_on_authentic']['duplicates']:.1%} |",
        f"| panel pairs (duplicates): precision | {summary['pair_precision']:.3f} |",
        f"| panel pairs (duplicates): recall | {summary['pair_recall']:.3f} |",
        f"| panel boxes found at IoU 0.7 (panels) | {summary['panel_box_recall']:.3f} |",
        f"| seconds per case (three analyses): median / max | {summary['seconds_median']:.2f} / "
        f"{summary['seconds_max']:.2f} |",
        "",
        "| kind | cases | score | score on forged | false alarms |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind, row in summary["by_kind"].items():
        lines.append(
            f"| {kind} | {row['cases']} | {row['score']:.3f} | {row['score_forged']:.3f} | "
            f"{row['false_alarms']:.1%} |"
        )
    lines += ["", "| forged by | cases | score | detected |", "|---|---:|---:|---:|"]
    for transform, row in summary["by_transform"].items():
        lines.append(
            f"| {transform} | {row['cases']} | {row['score']:.3f} | {row['detected']:.1%} |"
        )
    lines += [
        "",
        "## False alarms on the whole real images",
        "",
        "Every readable image of ../shared/data/real as it is (all genuine).",
        "",
        "| analysis | images | suspicious | inconclusive |",
        "|---|---:|---:|---:|",
    ]
    for analysis, row in report["real_images"].items():
        lines.append(
            f"| {analysis} | {row['images']} | {row['suspicious']:.1%} | "
            f"{row['inconclusive']:.1%} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument(
        "--per-kind", type=int, default=90, help="single and blot cases each; figures twice this"
    )
    args = parser.parse_args()
    cases = build_cases(args.per_kind)
    with ProcessPoolExecutor(args.workers) as pool:
        records = list(pool.map(evaluate, cases, chunksize=4))
        verdicts = [
            entry
            for entry in pool.map(whole_image_verdicts, real_image_paths(), chunksize=4)
            if entry is not None
        ]
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
        "python": platform.python_version(),
        "pycore": pycore.__version__,
        "summary": summarise(records),
        "real_images": real_alarms(verdicts),
        "cases": records,
        "real_image_verdicts": verdicts,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "duplication.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "duplication.md").write_text(markdown(report))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
