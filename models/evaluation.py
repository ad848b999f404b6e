"""Measuring the learned detectors as users meet them: through pycore's analysis, on the
exported ONNX model, natively.

Also the small statistics the evaluations report (ROC AUC by the Mann-Whitney U statistic,
best F1 over thresholds), written here in numpy rather than pulling scikit-learn into the
training environment.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

import pycore
from pycore.result import Result

from .data import is_derived, real_files


def analyse(analysis: str, image: pycore.Image) -> Result:
    return pycore.get(analysis).run_sync(image)


def pooled_statistic(result: Result, finding: str | None = None) -> float:
    """The raw statistic an analysis calibrates into its score: its first finding, or the
    one named ``finding`` (NaN where the analysis did not report it)."""
    if finding is None:
        return float(result.findings[0]["value"])
    values = [row["value"] for row in result.findings if row.get("statistic") == finding]
    return float(values[0]) if values and values[0] is not None else float("nan")


def scores(analysis: str, images: list[pycore.Image]) -> np.ndarray:
    """The score of ``analysis`` for each image (NaN where it gives none)."""
    found = [analyse(analysis, image).score for image in images]
    return np.array([np.nan if score is None else score for score in found])


def genuine_results(analysis: str, split: str, held_out: bool = True) -> dict[str, Result]:
    """``analysis`` on each whole real image of ``split``, as pycore reads the file, by
    path: with ``held_out``, only those with no relative in the training split; otherwise
    all but derived images (labels, masks, probability maps)."""
    return {
        str(relative): analyse(analysis, image)
        for relative, _, image in real_files(split, held_out=held_out)
        if not is_derived(relative)
    }


def false_alarms(analysis: str) -> dict:
    """Verdicts of ``analysis`` on the whole genuine images of the test split (never used
    for training or for setting the bands), as shares."""
    verdicts = [result.verdict for result in genuine_results(analysis, "test").values()]
    return {
        "images": len(verdicts),
        "suspicious": verdicts.count("suspicious") / len(verdicts),
        "inconclusive": verdicts.count("inconclusive") / len(verdicts),
    }


def auc(negatives: np.ndarray, positives: np.ndarray) -> float:
    """Area under the ROC curve: the chance a positive outscores a negative (ties half)."""
    negatives, positives = np.asarray(negatives, float), np.asarray(positives, float)
    if not negatives.size or not positives.size:
        return float("nan")
    values = np.concatenate([negatives, positives])
    order = values.argsort(kind="stable")
    ranks = np.empty(values.size)
    ranks[order] = np.arange(1, values.size + 1)
    # Tied values share their mean rank.
    _, inverse = np.unique(values, return_inverse=True)
    ranks = np.bincount(inverse, ranks)[inverse] / np.bincount(inverse)[inverse]
    u = ranks[negatives.size :].sum() - positives.size * (positives.size + 1) / 2
    return float(u / (negatives.size * positives.size))


def best_f1(scores: np.ndarray, truth: np.ndarray) -> float:
    """The best F1 over all thresholds of ``scores`` against boolean ``truth``."""
    values = np.asarray(scores, float).ravel()
    order = np.argsort(-values, kind="stable")
    hits = np.asarray(truth, bool).ravel()[order]
    if not hits.any():
        return float("nan")
    true_positives = np.cumsum(hits)
    predicted = np.arange(1, hits.size + 1)
    f1 = 2 * true_positives / (predicted + hits.sum())
    # A threshold takes all equal scores or none: only cut after the last of a run of ties.
    ranked = values[order]
    ends = np.append(ranked[1:] != ranked[:-1], True)
    return float(f1[ends].max())


def f1_at(predicted: np.ndarray, truth: np.ndarray) -> float:
    predicted, truth = np.asarray(predicted, bool), np.asarray(truth, bool)
    both = np.logical_and(predicted, truth).sum()
    total = predicted.sum() + truth.sum()
    return float(2 * both / total) if total else 1.0


def write_report(folder: Path, report: dict, markdown: Callable[[dict], str]) -> None:
    """``report`` as folder/validation.json and, rendered, folder/validation.md (printed)."""
    (folder / "validation.json").write_text(json.dumps(report, indent=1))
    (folder / "validation.md").write_text(markdown(report))
    print(markdown(report))
