"""Metrics from arrays: F-beta (multi-label), macro-F1 and friends (single-label), ROC AUC; each checked against scikit-learn in tests."""

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


# Single-label classification.

def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) counts, rows true class, columns predicted class."""
    y_true, y_pred = np.asarray(y_true, np.int64), np.asarray(y_pred, np.int64)
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def f1_from_confusion(matrix: np.ndarray) -> np.ndarray:
    """Per-class F1 = 2TP / (2TP + FP + FN); 0 where a class is neither true nor predicted."""
    tp = np.diag(matrix).astype(np.float64)
    denominator = matrix.sum(0) + matrix.sum(1)
    return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)


def macro_f1(y_true, y_pred, n_classes: int | None = None) -> float:
    """Unweighted mean F1 over the classes present in `y_true` or `y_pred` (sklearn's average="macro")."""
    y_true, y_pred = np.asarray(y_true, np.int64), np.asarray(y_pred, np.int64)
    n = int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1) if n_classes is None else n_classes
    matrix = confusion_matrix(y_true, y_pred, n)
    present = (matrix.sum(0) + matrix.sum(1)) > 0
    return float(f1_from_confusion(matrix)[present].mean()) if present.any() else 0.0




def per_class(y_true, y_pred, classes) -> list[dict]:
    """Precision, recall, F1 and support of each class."""
    matrix = confusion_matrix(y_true, y_pred, len(classes))
    tp = np.diag(matrix).astype(np.float64)
    predicted, support = matrix.sum(0), matrix.sum(1)
    f1 = f1_from_confusion(matrix)
    return [{"class": name, "support": int(support[k]), "f1": float(f1[k]),
             "precision": float(tp[k] / predicted[k]) if predicted[k] else 0.0,
             "recall": float(tp[k] / support[k]) if support[k] else 0.0} for k, name in enumerate(classes)]


def per_group(y_true, y_pred, groups, n_classes: int) -> dict[str, dict]:
    """Macro-F1 and accuracy within each group (e.g. drawing domain)."""
    y_true, y_pred, groups = np.asarray(y_true), np.asarray(y_pred), np.asarray(groups, dtype=object)
    out = {}
    for group in sorted(set(groups.tolist()), key=str):
        rows = groups == group
        out[str(group)] = {"n": int(rows.sum()), "macro_f1": macro_f1(y_true[rows], y_pred[rows], n_classes),
                           "accuracy": accuracy(y_true[rows], y_pred[rows])}
    return out


# ROC AUC from ranks (Mann-Whitney U), ties counted as half.

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
