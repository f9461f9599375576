"""The competition metric, ROC AUC, with accuracy at 0.5 reported beside it."""

from compete.common.evaluation.metrics import roc_auc  # noqa: F401  (the leaderboard metric)
from compete.common.evaluation.metrics import accuracy as _accuracy

import numpy as np


def accuracy(y_true, probability, threshold: float = 0.5) -> float:
    """Share of reviews whose predicted class (probability >= threshold) is right."""
    return float(_accuracy(np.asarray(y_true).astype(int), (np.asarray(probability) >= threshold).astype(int)))
