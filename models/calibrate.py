"""Score bands of a learned test, from genuine images it was not trained on.

    .venv/bin/python -m models.calibrate ai_generated|manipulation|coding_cost

Runs the analysis (the exported models, through pycore, as a user's file is read) on
genuine images of ../shared/data/real and prints two percentiles of its pooled statistic:
the values the analysis takes as 'clean' (score 0.35) and 'suspicious' (0.65). The decision
threshold 0.5 falls half-way between them. Setting the bands from genuine images only keeps
false alarms in check whatever the generators or edits of tomorrow look like; the test
split then measures the rate honestly.

- ai_generated and manipulation (the networks): the 90th and 99th percentiles on the
  calibration split's images with no relative in the training split
  (models.data.family_of).
- coding_cost (ai_generated's second test, a model of real images only): the 99th
  percentile and the maximum on the genuine images of the training and calibration
  splits. ai_generated takes the higher of its two tests' scores, so their false alarms
  add up: the second test's bands sit at the edge of what genuine images give, and that
  edge needs more than the calibration split's few images. The model was fitted to the
  training split's crops, but it is small and its statistic runs no lower there
  (models/coding_cost/validation.md).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from pycore.analyses.ai_generated import GAP_FINDING

from .evaluation import genuine_results, pooled_statistic


@dataclass(frozen=True)
class Bands:
    """Where a test's bands come from: ``finding`` of ``analysis`` (None: its first) on
    the genuine images of ``splits`` (held out: no relative in training), and the
    percentiles taken as clean and suspicious, printed as the constants ``names``."""

    analysis: str
    finding: str | None
    splits: tuple[str, ...]
    held_out: bool
    percentiles: tuple[float, float]
    names: tuple[str, str] = ("_CLEAN", "_SUSPICIOUS")


TESTS = {
    "ai_generated": Bands("ai_generated", None, ("calibrate",), True, (90, 99)),
    "manipulation": Bands("manipulation", None, ("calibrate",), True, (90, 99)),
    "coding_cost": Bands(
        "ai_generated",
        GAP_FINDING,
        ("train", "calibrate"),
        False,
        (99, 100),
        ("_GAP_CLEAN", "_GAP_SUSPICIOUS"),
    ),
}


def statistics(
    analysis: str, split: str, finding: str | None = None, held_out: bool = True
) -> dict[str, float]:
    """The pooled statistic (or ``finding``) of ``analysis`` on each genuine image of
    ``split``, by path (NaN where the analysis did not report it)."""
    results = genuine_results(analysis, split, held_out)
    return {path: pooled_statistic(result, finding) for path, result in results.items()}


def genuine_values(bands: Bands) -> dict[str, dict[str, float]]:
    """The statistic the bands come from, on each genuine image of each of their splits:
    {split: {path: value}}."""
    return {
        split: statistics(bands.analysis, split, bands.finding, bands.held_out)
        for split in bands.splits
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("test", choices=TESTS)
    bands = TESTS[parser.parse_args().test]
    values = np.array([v for by_path in genuine_values(bands).values() for v in by_path.values()])
    values = values[np.isfinite(values)]
    clean, suspicious = np.percentile(values, bands.percentiles)
    splits = ", ".join(bands.splits)
    print(f"{values.size} genuine images of {splits}; median {np.median(values):.3f}")
    print(f"{bands.names[0]} = {clean:.3f}\n{bands.names[1]} = {suspicious:.3f}")


if __name__ == "__main__":
    main()
