"""ROC AUC from ranks (Mann-Whitney U), ties counted as half; checked against scikit-learn in tests."""

from __future__ import annotations

import numpy as np


def average_ranks(scores) -> np.ndarray:
    """1-based ranks of `scores`, tied values sharing their mean rank."""
    scores = np.asarray(scores, dtype=np.float64).ravel()
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], len(scores)]
    mean_rank = (starts + ends + 1) / 2.0
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def roc_auc(y_true, scores) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    y = np.asarray(y_true).ravel()
    if not np.isin(y, (0, 1)).all():
        raise ValueError("roc_auc needs binary labels in {0, 1}")
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        raise ValueError("roc_auc needs both classes present")
    if len(np.asarray(scores).ravel()) != len(y):
        raise ValueError("roc_auc: labels and scores differ in length")
    rank_sum = average_ranks(scores)[y == 1].sum()
    return float((rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives))
