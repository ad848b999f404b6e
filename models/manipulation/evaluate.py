"""Validation of the manipulation segmenter; writes models/manipulation/validation.md.

    .venv/bin/python -m models.manipulation.evaluate

Everything runs as users meet it: each image is stored as a PNG (or JPEG where said) and
read and analysed by pycore with the exported model.
1. Held-out hosts of wb_auto_polimi (test split): pixel ROC AUC and F1 of the map against
   the synthetic patch's mask in a 128x128 window around it; image-level AUC against
   the genuine 128x128 corners of the same hosts.
2. Our edits of crops of held-out real images (test split, no relative in training), by
   kind, the kinds kept out of training marked: pixel AUC, best F1, F1 at 0.5, and image
   AUC against the unedited crops; also after JPEG 75.
3. False alarms on the whole genuine images of the test split with no relative in
   training.
4. The few manipulated scientific and forensic examples in ../shared/data/smoke.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import pycore
from pycore.result import DECIDED_FROM

from ..calibrate import statistics
from ..data import SMOKE, as_jpeg, as_png, blots, random_crop, real_images, require
from ..evaluation import analyse, auc, best_f1, f1_at, false_alarms, scores, write_report
from .edits import EDITS, HELD_OUT, make_edit

HERE = Path(__file__).resolve().parent
ANALYSIS = "manipulation"
SIDE = 256
PER_KIND = 40


def localisation(cases: list[tuple[pycore.Image, np.ndarray]]) -> dict:
    """Pixel AUC and F1 over all pixels of the cases pooled, and per-image scores."""
    maps, masks, scores, f1s = [], [], [], []
    for image, mask in cases:
        result = analyse(ANALYSIS, image)
        probability = result.maps["edited"].data
        maps.append(probability.ravel())
        masks.append(mask.ravel())
        scores.append(result.score)
        f1s.append(f1_at(probability >= DECIDED_FROM, mask))
    pixels, truth = np.concatenate(maps), np.concatenate(masks)
    return {
        "pixel_auc": auc(pixels[~truth], pixels[truth]),
        "best_f1": best_f1(pixels, truth),
        "f1_at_half": float(np.mean(f1s)),
        "scores": scores,
    }


def square_around(mask: np.ndarray, side: int) -> tuple[slice, slice]:
    """A side x side window of the blot, centred on its synthetic patch where it can be."""
    rows, cols = np.nonzero(mask)
    top = int(np.clip((rows.min() + rows.max() + 1 - side) // 2, 0, mask.shape[0] - side))
    left = int(np.clip((cols.min() + cols.max() + 1 - side) // 2, 0, mask.shape[1] - side))
    return slice(top, top + side), slice(left, left + side)


def clear_corners(mask: np.ndarray, side: int) -> list[tuple[slice, slice]]:
    """The side x side corners of the blot that the patch does not touch."""
    windows = [
        (slice(top, top + side), slice(left, left + side))
        for top in (0, mask.shape[0] - side)
        for left in (0, mask.shape[1] - side)
    ]
    return [window for window in windows if not mask[window].any()]


def held_out_hosts() -> dict:
    """Positives: a 128x128 window around each test blot's patch; negatives: each
    128x128 corner of each host that some blot of the host shows untouched (a host's 18
    blots share its genuine pixels, the patch sitting elsewhere in each), same size."""
    test = blots("test")
    windows = [(blot, square_around(blot.mask, 128)) for blot in test]
    found = localisation([(as_png(b.gray[w]), b.mask[w]) for b, w in windows])
    genuine = {}
    for blot in test:
        for corner in clear_corners(blot.mask, 128):
            key = (blot.host, corner[0].start, corner[1].start)
            genuine.setdefault(key, as_png(blot.gray[corner]))
    negatives = scores(ANALYSIS, list(genuine.values()))
    found["hosts"] = len({blot.host for blot in test})
    found["images"] = len(test)
    found["negatives"] = len(negatives)
    found["image_auc"] = auc(negatives, np.array(found.pop("scores")))
    found["genuine_flagged"] = float(np.mean(negatives >= DECIDED_FROM))
    return found


def synthetic_edits(quality: int | None) -> list[dict]:
    rng = np.random.default_rng(7)
    grays = [image.gray for image in real_images("test", min_side=SIDE // 2, held_out=True)]

    def stored(gray: np.ndarray) -> pycore.Image:
        return as_png(gray) if quality is None else as_jpeg(gray, quality)

    untouched = [
        stored(random_crop(grays[rng.integers(len(grays))], SIDE, rng)) for _ in range(PER_KIND)
    ]
    negatives = scores(ANALYSIS, untouched)
    rows = []
    for kind in EDITS:
        cases = []
        for _ in range(PER_KIND):
            crop = random_crop(grays[rng.integers(len(grays))], SIDE, rng)
            edited, mask = make_edit(kind, crop, grays[rng.integers(len(grays))], rng)
            cases.append((stored(edited), mask))
        found = localisation(cases)
        found["image_auc"] = auc(negatives, np.array(found.pop("scores")))
        rows.append({"kind": kind, "unseen": kind in HELD_OUT, **found})
    rows.append(
        {"kind": "(unedited crops) flagged", "flagged": float(np.mean(negatives >= DECIDED_FROM))}
    )
    return rows


def smoke_examples() -> list[dict]:
    paths = [
        SMOKE
        / "tamper_sci_rsiil_samples"
        / "notebooks"
        / "detection_sample"
        / "figure_forgery.png",
        SMOKE
        / "tamper_sci_rsiil_samples"
        / "notebooks"
        / "detection_sample"
        / "figure_pristine.png",
        SMOKE / "tamper_trufor_samples" / "test_docker" / "images" / "tampered1.png",
        SMOKE / "tamper_trufor_samples" / "test_docker" / "images" / "tampered2.png",
        SMOKE / "tamper_trufor_samples" / "test_docker" / "images" / "pristine1.jpg",
        SMOKE / "tamper_trufor_samples" / "test_docker" / "images" / "pristine2.jpg",
        SMOKE / "tamper_noiseprint_demo" / "demo" / "imgs" / "inpainting.png",
    ]
    rows = []
    for path in paths:
        result = analyse(ANALYSIS, pycore.load(require(path).read_bytes(), path.name))
        rows.append(
            {"file": str(path.relative_to(SMOKE)), "score": result.score, "verdict": result.verdict}
        )
    return rows


def markdown(report: dict) -> str:
    hosts = report["held_out_hosts"]
    lines = [
        "# manipulation: validation",
        "",
        f"`.venv/bin/python -m models.manipulation.evaluate` ({report['seconds']:.0f} s).",
        "",
        "## Held-out western-blot hosts (wb_auto_polimi, synthetic 64x64 patches)",
        "",
        f"{hosts['images']} images of {hosts['hosts']} hosts never trained on: pixel AUC "
        f"{hosts['pixel_auc']:.3f}, best F1 {hosts['best_f1']:.3f}, mean F1 at 0.5 "
        f"{hosts['f1_at_half']:.3f} (128x128 windows around the patches); image AUC "
        f"{hosts['image_auc']:.3f} against {hosts['negatives']} genuine 128x128 corners of "
        f"those hosts, {hosts['genuine_flagged']:.0%} of which are flagged (score >= 0.5).",
        "",
    ]
    for title, rows in (("as PNG", report["edits_png"]), ("as JPEG 75", report["edits_jpeg75"])):
        lines += [
            f"## Our edits of held-out real images, {SIDE}x{SIDE}, {PER_KIND} per kind, {title}",
            "",
            "| edit | never trained on | pixel AUC | best F1 | F1 at 0.5 | image AUC |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for row in rows:
            if "flagged" in row:
                lines.append(f"| {row['kind']} | | | | | {row['flagged']:.0%} |")
                continue
            lines.append(
                f"| {row['kind']} | {'yes' if row['unseen'] else ''} | "
                f"{row['pixel_auc']:.3f} | {row['best_f1']:.3f} | "
                f"{row['f1_at_half']:.3f} | {row['image_auc']:.3f} |"
            )
        lines.append("")
    alarms = report["false_alarms"]
    lines += [
        "## False alarms on genuine images (test split of ../shared/data/real, no relative "
        "in training)",
        "",
        f"{alarms['images']} whole images: suspicious {alarms['suspicious']:.1%}, "
        f"inconclusive {alarms['inconclusive']:.1%}.",
        "",
        "## Smoke examples (../shared/data/smoke)",
        "",
        "| file | score | verdict |",
        "|---|---:|---|",
    ]
    for row in report["smoke"]:
        lines.append(f"| {row['file']} | {row['score']:.2f} | {row['verdict']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    started = time.monotonic()
    report = {
        "held_out_hosts": held_out_hosts(),
        "edits_png": synthetic_edits(None),
        "edits_jpeg75": synthetic_edits(75),
        "false_alarms": false_alarms(ANALYSIS),
        "smoke": smoke_examples(),
        "calibration_statistics": statistics(ANALYSIS, "calibrate"),
    }
    report["seconds"] = time.monotonic() - started
    write_report(HERE, report, markdown)


if __name__ == "__main__":
    main()
