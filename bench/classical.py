#!/usr/bin/env python3
"""Quality of the classical analyses on manipulated real images, and their false alarms.

    .venv/bin/python bench/classical.py [--images 200] [--workers 2]

Builds manipulated images from crops of the real images in ../shared/data/real - splice
from another image, copy-move, local double JPEG, resampled region, local blur,
inpainting, added noise - each with the mask the same code made, runs every analysis,
and writes per analysis and manipulation: pixel AUC and the best F1 of its main map,
image-level AUC of its score against untouched crops stored the same way, and the
false-alarm rate ('suspicious') on the untouched crops and on every real image whole. Results go to
bench/results/classical.md and classical.json. Nothing here is used by the tests.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image as PILImage
from scipy import ndimage
from sklearn.metrics import precision_recall_curve, roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pycore  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "real"
RESULTS = ROOT / "bench" / "results"
CROP = 384
# The map each analysis localises with (analyses without one are judged on their score).
MAIN_MAP = {
    "ela": "error_level",
    "jpeg_ghost": "ghost",
    "double_jpeg": "single_compressed",
    "jpeg_grid": "grid_mismatch",
    "noise": "noise_level",
    "cfa": "missing_trace",
    "resampling": "periodicity",
    "enhance": "flat_regions",
}
# Maps whose middle is typical and whose both ends are suspicious (more or less noise).
TWO_SIDED = {"noise"}
MANIPULATIONS = ("splice", "copy_move", "double_jpeg", "resampled", "blur", "inpaint", "noise")
PIXELS_PER_IMAGE = 3000


# ---- Sources and manipulations --------------------------------------------------------


def sources(limit_per_folder: int = 12) -> list[np.ndarray]:
    """8-bit crops (gray or RGB) of the real images, a few per folder for variety."""
    if not DATA.exists():
        sys.exit(f"{DATA} is missing: this benchmark needs ../shared/data/real")
    crops, per_folder = [], {}
    rng = np.random.default_rng(0)
    for path in sorted(DATA.rglob("*")):
        if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".tif", ".tiff"):
            continue
        folder = path.relative_to(DATA).parts[0] + "/" + path.parent.name
        if per_folder.get(folder, 0) >= limit_per_folder:
            continue
        try:
            image = pycore.load(path.read_bytes(), path.name)
        except pycore.ImageLoadError:
            continue
        if min(image.width, image.height) < 160:
            continue
        pixels = image.rgb8() if image.channels == 3 else image.rgb8()[:, :, :1]
        top = rng.integers(0, max(image.height - CROP, 0) + 1)
        left = rng.integers(0, max(image.width - CROP, 0) + 1)
        crop = pixels[top : top + CROP, left : left + CROP]
        if crop.std() < 2:  # blank crops say nothing
            continue
        crops.append(np.ascontiguousarray(crop))
        per_folder[folder] = per_folder.get(folder, 0) + 1
    return crops


def region(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A rectangle or an ellipse covering roughly 4 to 12% of the image."""
    height, width = shape
    h = int(rng.uniform(0.2, 0.35) * height)
    w = int(rng.uniform(0.2, 0.35) * width)
    top, left = rng.integers(0, height - h), rng.integers(0, width - w)
    mask = np.zeros(shape, bool)
    if rng.random() < 0.5:
        mask[top : top + h, left : left + w] = True
    else:
        yy, xx = np.ogrid[:height, :width]
        mask |= ((yy - top - h / 2) / (h / 2)) ** 2 + ((xx - left - w / 2) / (w / 2)) ** 2 <= 1
    return mask


def jpeg_roundtrip(pixels: np.ndarray, quality: int) -> np.ndarray:
    return decode(encode(pixels, "JPEG", quality))


def encode(pixels: np.ndarray, format: str, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    picture = PILImage.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    picture.save(buffer, format=format, **({"quality": quality} if format == "JPEG" else {}))
    return buffer.getvalue()


def decode(data: bytes) -> np.ndarray:
    pixels = np.asarray(PILImage.open(io.BytesIO(data)))
    return pixels[:, :, None] if pixels.ndim == 2 else pixels


def fit(donor: np.ndarray, host: np.ndarray) -> np.ndarray:
    """The donor with the host's channels and size."""
    if donor.shape[2] != host.shape[2]:
        donor = (
            donor.mean(axis=2, keepdims=True) if host.shape[2] == 1 else np.repeat(donor, 3, axis=2)
        )
    padded = np.zeros(host.shape, np.float64)
    height, width = min(donor.shape[0], host.shape[0]), min(donor.shape[1], host.shape[1])
    padded[:height, :width] = donor[:height, :width]
    return padded


def manipulate(
    kind: str, host: np.ndarray, donor: np.ndarray, rng
) -> tuple[bytes, np.ndarray, bytes]:
    """A manipulated image (encoded), its mask, and the untouched host stored the same way."""
    mask = region(host.shape[:2], rng)
    pixels = host.astype(np.float64)
    inside = mask[:, :, None]
    if kind == "splice":
        pixels = np.where(inside, fit(donor, host), pixels)
    elif kind == "copy_move":
        shift = (rng.integers(-CROP // 3, CROP // 3), rng.integers(-CROP // 3, CROP // 3))
        moved = np.roll(pixels, shift, axis=(0, 1))
        if rng.random() < 0.5:
            moved = np.roll(pixels[:, ::-1], shift, axis=(0, 1))
        pixels = np.where(inside, moved, pixels)
    elif kind == "double_jpeg":
        first = rng.integers(55, 80)
        once = jpeg_roundtrip(host, int(first)).astype(np.float64)
        pixels = np.where(inside, pixels, once)  # the region never saw the first save
        tampered = np.clip(np.rint(pixels), 0, 255).astype(np.uint8)
        negative = encode(jpeg_roundtrip(host, int(first)), "JPEG", 90)
        return encode(tampered, "JPEG", 90), mask, negative
    elif kind == "resampled":
        zoomed = ndimage.zoom(pixels, (1.3, 1.3, 1), order=1)[: host.shape[0], : host.shape[1]]
        pixels = np.where(inside, fit(zoomed, host), pixels)
    elif kind == "blur":
        pixels = np.where(inside, ndimage.gaussian_filter(pixels, (2, 2, 0)), pixels)
    elif kind == "inpaint":
        filled = pixels.copy()
        filled[mask] = pixels[~mask].mean(axis=0)
        for _ in range(200):  # harmonic fill: each pixel the mean of its four neighbours
            smooth = ndimage.uniform_filter(filled, (3, 3, 1), mode="nearest")
            filled[mask] = smooth[mask]
        pixels = filled
    elif kind == "noise":
        pixels = pixels + inside * rng.normal(0, 6, pixels.shape)
    tampered = np.clip(np.rint(pixels), 0, 255).astype(np.uint8)
    return encode(tampered, "PNG"), mask, encode(host, "PNG")


# ---- Running the analyses --------------------------------------------------------------


def real_paths() -> list[Path]:
    return [
        path
        for path in sorted(DATA.rglob("*"))
        if path.suffix.lower() in (".png", ".jpg", ".jpeg", ".tif", ".tiff")
    ]


def verdicts_of(path: Path) -> dict[str, str | None] | None:
    """Every default analysis's verdict on one whole real image (None if unreadable)."""
    try:
        image = pycore.load(path.read_bytes(), path.name)
    except pycore.ImageLoadError:
        return None
    return {
        entry.id: entry.run_sync(image).verdict
        for entry in pycore.ANALYSES.values()
        if entry.default
    }


def analyse(job: tuple[str, bytes, np.ndarray | None, int]) -> dict:
    """Every default analysis on one image: scores, verdicts, and a pixel sample of maps."""
    kind, data, mask, seed = job
    image = pycore.load(data, f"{kind}.png")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, image.width * image.height, PIXELS_PER_IMAGE)
    record = {"kind": kind, "manipulated": mask is not None, "analyses": {}}
    for entry in pycore.ANALYSES.values():
        if not entry.default:
            continue
        result = entry.run_sync(image)
        summary = {"score": result.score, "verdict": result.verdict, "seconds": result.seconds}
        layer = result.maps.get(MAIN_MAP.get(entry.id, ""))
        if layer is not None and layer.data.shape == (image.height, image.width):
            values = layer.data.ravel()
            if entry.id in TWO_SIDED:
                values = np.abs(values - 0.5)
            summary["map_level"] = float(np.percentile(values, 99))
            if mask is not None:
                summary["pixels"] = values[picks].tolist()
                summary["truth"] = mask.ravel()[picks].tolist()
        record["analyses"][entry.id] = summary
    return record


# ---- Metrics ------------------------------------------------------------------------------


def image_level(entry: dict) -> float:
    """An image's suspicion by one analysis: its score, or for unscored ones its map level."""
    if entry["score"] is not None:
        return entry["score"]
    return entry.get("map_level", 0.0)


def summarise(records: list[dict]) -> dict:
    table = {}
    analysis_ids = list(records[0]["analyses"])
    for analysis_id in analysis_ids:
        table[analysis_id] = {}
        for kind in MANIPULATIONS:
            positives = [r for r in records if r["kind"] == kind and r["manipulated"]]
            negatives = [r for r in records if r["kind"] == kind and not r["manipulated"]]
            row = {"images": len(positives)}
            scores = [image_level(r["analyses"][analysis_id]) for r in positives + negatives]
            labels = [1] * len(positives) + [0] * len(negatives)
            if len(set(labels)) == 2 and len(set(scores)) > 1:
                row["image_auc"] = roc_auc_score(labels, scores)
            pixel_scores = [
                v for r in positives for v in r["analyses"][analysis_id].get("pixels", [])
            ]
            pixel_truth = [
                v for r in positives for v in r["analyses"][analysis_id].get("truth", [])
            ]
            if pixel_scores and 0 < sum(pixel_truth) < len(pixel_truth):
                row["pixel_auc"] = roc_auc_score(pixel_truth, pixel_scores)
                precision, recall, _ = precision_recall_curve(pixel_truth, pixel_scores)
                f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
                row["pixel_f1"] = float(f1.max())
            row["detected"] = (
                np.mean([r["analyses"][analysis_id]["verdict"] == "suspicious" for r in positives])
                if positives
                else None
            )
            table[analysis_id][kind] = row
        negatives = [r for r in records if not r["manipulated"]]
        judged = [r["analyses"][analysis_id] for r in negatives]
        table[analysis_id]["false_alarms"] = {
            "originals": len(judged),
            "suspicious": float(np.mean([entry["verdict"] == "suspicious" for entry in judged])),
            "inconclusive": float(
                np.mean([entry["verdict"] == "inconclusive" for entry in judged])
            ),
            "no_verdict": float(np.mean([entry["verdict"] is None for entry in judged])),
            "median_seconds": float(np.median([entry["seconds"] for entry in judged])),
        }
    return table


def whole_image_alarms(verdicts: list[dict]) -> dict:
    return {
        analysis_id: {
            "images": len(verdicts),
            "suspicious": float(np.mean([v[analysis_id] == "suspicious" for v in verdicts])),
            "inconclusive": float(np.mean([v[analysis_id] == "inconclusive" for v in verdicts])),
            "no_verdict": float(np.mean([v[analysis_id] is None for v in verdicts])),
        }
        for analysis_id in verdicts[0]
    }


def markdown(table: dict, meta: dict, whole: dict) -> str:
    def cell(value, digits=2):
        return "" if value is None else f"{value:.{digits}f}"

    lines = [
        f"# Classical analyses on manipulated real images ({meta['date']})",
        "",
        f"{meta['manipulated']} manipulated images ({CROP}x{CROP} crops of "
        f"{meta['sources']} real images from ../shared/data/real, {len(MANIPULATIONS)} "
        f"kinds) and as many untouched crops stored the same way (PNG; JPEG q90 for the "
        f"double-JPEG kind). Command: `.venv/bin/python bench/classical.py`; "
        f"{meta['seconds']:.0f} s on {meta['machine']}.",
        "",
        "Per cell: pixel AUC / best pixel F1 of the main map / image-level AUC (score, or "
        "the map's 99th percentile for analyses without a score) / share of manipulated "
        "images called suspicious. Empty: not measurable (no map, or one class only).",
        "",
        "| analysis | " + " | ".join(MANIPULATIONS) + " |",
        "|---|" + "---|" * len(MANIPULATIONS),
    ]
    for analysis_id, rows in table.items():
        cells = []
        for kind in MANIPULATIONS:
            row = rows[kind]
            cells.append(
                " / ".join(
                    [
                        cell(row.get("pixel_auc")),
                        cell(row.get("pixel_f1")),
                        cell(row.get("image_auc")),
                        cell(row.get("detected")),
                    ]
                )
            )
        lines.append(f"| {analysis_id} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## False alarms on the untouched crops",
        "",
        "| analysis | originals | suspicious | inconclusive | no verdict | median s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for analysis_id, rows in table.items():
        fa = rows["false_alarms"]
        lines.append(
            f"| {analysis_id} | {fa['originals']} | {fa['suspicious']:.1%} | "
            f"{fa['inconclusive']:.1%} | {fa['no_verdict']:.0%} | "
            f"{fa['median_seconds']:.3f} |"
        )
    lines += [
        "",
        "## False alarms on the whole real images",
        "",
        f"Every readable image of ../shared/data/real ({meta['real_images']}), as stored.",
        "",
        "| analysis | suspicious | inconclusive | no verdict |",
        "|---|---:|---:|---:|",
    ]
    for analysis_id, rates in whole.items():
        lines.append(
            f"| {analysis_id} | {rates['suspicious']:.1%} | "
            f"{rates['inconclusive']:.1%} | {rates['no_verdict']:.0%} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=200, help="manipulated images")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    start = time.time()
    crops = sources()
    rng = np.random.default_rng(1)
    jobs = []
    for index in range(args.images):
        kind = MANIPULATIONS[index % len(MANIPULATIONS)]
        host_index, donor_index = rng.choice(len(crops), 2, replace=False)
        tampered, mask, negative = manipulate(kind, crops[host_index], crops[donor_index], rng)
        jobs.append((kind, tampered, mask, index))
        jobs.append((kind, negative, None, index))
    with ProcessPoolExecutor(args.workers) as pool:
        records = list(pool.map(analyse, jobs, chunksize=4))
        verdicts = [v for v in pool.map(verdicts_of, real_paths()) if v is not None]
    table = summarise(records)
    whole = whole_image_alarms(verdicts)
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "manipulated": args.images,
        "sources": len(crops),
        "real_images": len(verdicts),
        "seconds": time.time() - start,
        "machine": f"{os.cpu_count()} cores, {args.workers} workers",
    }
    report = markdown(table, meta, whole)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "classical.json").write_text(
        json.dumps({"meta": meta, "table": table, "whole_images": whole}, indent=2)
    )
    (RESULTS / "classical.md").write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
