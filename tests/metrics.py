"""Scoring a map against a ground-truth mask, for the analyses' unit tests."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def pixel_auc(scores: np.ndarray, truth: np.ndarray) -> float:
    """Area under the ROC curve of per-pixel scores against a boolean mask (Mann-Whitney)."""
    scores, truth = np.ravel(scores), np.ravel(truth).astype(bool)
    positives, negatives = truth.sum(), (~truth).sum()
    ranks = rankdata(scores)
    return float((ranks[truth].sum() - positives * (positives + 1) / 2) / (positives * negatives))
