"""Metrics computed from arrays, checked in tests against scikit-learn."""

from __future__ import annotations

import numpy as np


def fbeta_per_sample(y_true: np.ndarray, y_pred: np.ndarray, beta: float = 2.0, zero_division: float = 0.0) -> np.ndarray:
    """F-beta of each row of binary matrices (the per-image score behind mean F2).

    A row with no true and no predicted labels scores `zero_division`, as in scikit-learn.
    """
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    tp = np.sum(y_true & y_pred, axis=1, dtype=np.float64)
    fp = np.sum(~y_true & y_pred, axis=1, dtype=np.float64)
    fn = np.sum(y_true & ~y_pred, axis=1, dtype=np.float64)
    return _fbeta_from_counts(tp, fp, fn, beta, zero_division)


def _fbeta_from_counts(tp, fp, fn, beta, zero_division):
    b2 = beta * beta
    denominator = (1 + b2) * tp + b2 * fn + fp
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(denominator > 0, (1 + b2) * tp / np.maximum(denominator, 1e-12), zero_division)
    return score


def mean_fbeta(y_true, y_pred, beta: float = 2.0, zero_division: float = 0.0) -> float:
    """Mean per-sample F-beta: sklearn's fbeta_score(average="samples")."""
    return float(np.mean(fbeta_per_sample(y_true, y_pred, beta, zero_division)))


def accuracy(y_true, y_pred) -> float:
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
