"""Score bands of a learned detector, from genuine images it was not trained on.

    .venv/bin/python -m models.calibrate ai_generated|manipulation

Runs the analysis (the exported model, through pycore, as a user's file is read) on every
image of the calibration split of ../shared/data/real with no relative in the training
split (models.data.family_of) and prints the 90th and 99th
percentiles of its pooled statistic: the values the analysis takes as 'clean' (score 0.35)
and 'suspicious' (0.65). The decision threshold 0.5 falls half-way between them. Setting
the bands from genuine images only keeps false alarms in check whatever the generators or
edits of tomorrow look like; the test split then measures the rate honestly.
"""

from __future__ import annotations

import argparse

import numpy as np

from .evaluation import held_out_results, pooled_statistic


def statistics(analysis: str, split: str) -> dict[str, float]:
    """The pooled statistic of ``analysis`` on each held-out real image of ``split``."""
    results = held_out_results(analysis, split)
    return {path: pooled_statistic(result) for path, result in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("analysis", choices=("ai_generated", "manipulation"))
    args = parser.parse_args()
    values = np.array(list(statistics(args.analysis, "calibrate").values()))
    clean, suspicious = np.percentile(values, (90, 99))
    print(f"{values.size} held-out calibration images; statistic median {np.median(values):.3f}")
    print(f"_CLEAN = {clean:.3f}\n_SUSPICIOUS = {suspicious:.3f}")


if __name__ == "__main__":
    main()
