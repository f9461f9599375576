"""The competition metric: the share of test images whose predicted class is right."""

from __future__ import annotations

import numpy as np

from compete.common.evaluation.metrics import accuracy


def accuracy_of(y_true, probs) -> float:
    """Accuracy of class scores (n, 10) against class indices (n,) or one-hot rows (n, 10)."""
    y_true = np.asarray(y_true)
    if y_true.ndim == 2:
        y_true = y_true.argmax(axis=1)
    return accuracy(y_true, np.asarray(probs).argmax(axis=1))
