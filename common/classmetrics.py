"""Single-label classification metrics (macro-F1, accuracy, per-class and per-group breakdowns), checked against scikit-learn."""

from __future__ import annotations

import numpy as np


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


def accuracy(y_true, y_pred) -> float:
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


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
