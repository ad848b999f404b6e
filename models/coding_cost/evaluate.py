"""Validation of the coding-cost test alone; writes models/coding_cost/validation.md.

    .venv/bin/python -m models.coding_cost.evaluate

The model never saw a generated image, so every generator below is unseen by it. Measured
through pycore's ai_generated analysis as users meet it (its findings 'Coding-cost gap,
median of cells' and 'Score of the coding-cost test'), on:
1. genuine images: those of the training and calibration splits that set the bands, and
   the held-out test images (no relative in training), as stored and changed in form;
2. generated images: the unseen sets of models/ai_generated/evaluate.py (DeepLIIF, the
   DDPM slices of Eschweiler et al., the GRIP and CNNDetection photographs), the
   training simulators' redraws of held-out images and the fixed-kernel decoder family,
   as PNG and changed in form.
For each: the share of images judged (enough cells with grain), the share this test
decides generated (its score 0.5 and up, where it counts towards ai_generated's score) and
the gap's median and 90th percentile (nats per pixel).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import pycore
from pycore.analyses.ai_generated import SURPRISE_SCORE_FINDING
from pycore.result import DECIDED_FROM

from ..ai_generated.evaluate import FORMS, external_sets, robustness_samples
from ..calibrate import TESTS, genuine_values, statistics
from ..data import as_png
from ..evaluation import analyse, pooled_statistic, write_report

HERE = Path(__file__).resolve().parent
# The genuine images with the largest gaps listed by split.
HIGHEST = 3
CHANGES = ("JPEG 95", "JPEG 75", "resize 0.5x", "resize 1.5x", "resize 2x Lanczos")


def measured(images: list[pycore.Image]) -> dict[str, float | None]:
    """Judged and decided shares and the gap's spread for images (pycore.Image)."""
    results = [analyse("ai_generated", image) for image in images]
    bands = TESTS["coding_cost"]
    gaps = np.array([pooled_statistic(result, bands.finding) for result in results])
    scores = np.array([pooled_statistic(result, SURPRISE_SCORE_FINDING) for result in results])
    judged = np.isfinite(gaps)
    return {
        "count": len(results),
        "judged": float(judged.mean()),
        "decided": float(np.mean(scores[judged] >= DECIDED_FROM)) if judged.any() else None,
        "median_gap": float(np.median(gaps[judged])) if judged.any() else None,
        "gap_90th": float(np.percentile(gaps[judged], 90)) if judged.any() else None,
    }


def rows() -> list[dict]:
    sets = external_sets()
    samples = robustness_samples(sets)
    genuine = samples["genuine (held-out test)"]
    generated = {
        **{
            name: [image.gray().astype(np.float32) for _, image in parts["generated"]]
            for name, parts in sets.items()
        },
        "training simulators' redraws of held-out images (seen by the network, not here)": (
            samples["generated (simulators, held-out images)"]
        ),
        "fixed-kernel decoders, scikit-image photos": samples[
            "generated (unseen fixed-kernel decoders, scikit-image photos)"
        ],
    }
    found = []
    for name, grays in {"genuine, held-out test": genuine, **generated}.items():
        found.append({"images": name, "form": "as PNG"} | measured([as_png(g) for g in grays]))
        for form in CHANGES:
            store = FORMS[form]
            found.append({"images": name, "form": form} | measured([store(g) for g in grays]))
    for name, parts in sets.items():
        if parts["real"]:
            found.append(
                {"images": f"{name}: its genuine images", "form": "as stored"}
                | measured([image for _, image in parts["real"]])
            )
    return found


def calibration() -> dict:
    """The gap on the genuine images that set the bands (by split) and on the held-out
    test images: spread and the highest images."""
    bands = TESTS["coding_cost"]
    by_split = genuine_values(bands) | {
        "test (held out)": statistics(bands.analysis, "test", bands.finding)
    }
    found = {}
    for split, by_path in by_split.items():
        judged = {path: value for path, value in by_path.items() if np.isfinite(value)}
        values = np.array(list(judged.values()))
        found[split] = {
            "images": len(by_path),
            "judged": len(judged),
            "median": float(np.median(values)),
            "maximum": float(values.max()),
            "highest": sorted(judged.items(), key=lambda item: -item[1])[:HIGHEST],
        }
    return found


def markdown(report: dict) -> str:
    lines = [
        "# coding_cost: validation",
        "",
        f"`.venv/bin/python -m models.coding_cost.evaluate` ({report['seconds']:.0f} s).",
        "",
        "## The gap on genuine images",
        "",
        "The bands come from the training and calibration splits "
        "(`python -m models.calibrate coding_cost`); the test split's images with no relative "
        "in training were used for nothing else.",
        "",
        "| split | images | judged | median gap | maximum | highest |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for split, found in report["calibration"].items():
        highest = "; ".join(f"{Path(path).name} {value:.3f}" for path, value in found["highest"])
        lines.append(
            f"| {split} | {found['images']} | {found['judged']} | {found['median']:+.3f} | "
            f"{found['maximum']:+.3f} | {highest} |"
        )
    lines += [
        "",
        "## Decided generated by this test (score 0.5 and up), as PNG and changed in form",
        "",
        "| images | form | count | judged | decided generated by this test | median gap | "
        "90th percentile |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        cells = ["" if row[key] is None else f"{row[key]:.0%}" for key in ("judged", "decided")] + [
            "" if row[key] is None else f"{row[key]:+.3f}" for key in ("median_gap", "gap_90th")
        ]
        lines.append(f"| {row['images']} | {row['form']} | {row['count']} | {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    started = time.monotonic()
    report = {"calibration": calibration(), "rows": rows()}
    report["seconds"] = time.monotonic() - started
    write_report(HERE, report, markdown)


if __name__ == "__main__":
    main()
