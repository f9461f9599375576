"""Per-class additive biases on log-probabilities, tuned by coordinate ascent to raise macro-F1.

Tuning and scoring on the same OOF flatters the score, so `held_out` tunes on K-1
folds and scores the held-out fold, pooled over folds.
"""

from __future__ import annotations

import numpy as np

from compete.common.evaluation.metrics import confusion_matrix, f1_from_confusion

DEFAULT_GRID = np.round(np.arange(-2.0, 2.0001, 0.1), 2)


def log_scores(probs, epsilon: float = 1e-7) -> np.ndarray:
    return np.log(np.clip(np.asarray(probs, np.float64), epsilon, 1.0))


def apply(scores, biases) -> np.ndarray:
    """Class decisions argmax(scores + biases)."""
    return np.argmax(np.asarray(scores, np.float64) + np.asarray(biases, np.float64), axis=1)


def _macro(y, pred, n_classes):
    matrix = confusion_matrix(y, pred, n_classes)
    present = (matrix.sum(0) + matrix.sum(1)) > 0
    return float(f1_from_confusion(matrix)[present].mean())


def tune(y_true, scores, grid=DEFAULT_GRID, passes: int = 3) -> tuple[np.ndarray, float]:
    """Biases (one per class, starting at 0) maximising macro-F1 of argmax(scores + b); returns (biases, score).

    For class j the rest fixed, a row goes to j exactly when b_j exceeds its margin
    (best other score minus its score for j), so a whole grid is scored without
    recomputing the argmax. Ties keep the current bias, so gains are strict.
    """
    y = np.asarray(y_true, np.int64)
    s = np.asarray(scores, np.float64)
    n, n_classes = s.shape
    biases = np.zeros(n_classes)
    best = _macro(y, apply(s, biases), n_classes)
    for _ in range(passes):
        improved = False
        for j in range(n_classes):
            shifted = s + biases
            shifted[:, j] = -np.inf
            other = np.argmax(shifted, axis=1)
            margin = shifted[np.arange(n), other] - s[:, j]
            for value in grid:
                pred = np.where(margin < value, j, other)
                score = _macro(y, pred, n_classes)
                if score > best + 1e-12:
                    best, biases[j], improved = score, value, True
        if not improved:
            break
    return biases, best


def held_out(y_true, scores, folds, grid=DEFAULT_GRID, passes: int = 3) -> np.ndarray:
    """Predictions for every row with biases tuned on the other folds only."""
    y, s, folds = np.asarray(y_true), np.asarray(scores, np.float64), np.asarray(folds)
    pred = np.zeros(len(y), np.int64)
    for fold in np.unique(folds):
        hold = folds == fold
        biases, _ = tune(y[~hold], s[~hold], grid, passes)
        pred[hold] = apply(s[hold], biases)
    return pred
