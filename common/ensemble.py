"""Averaging predictions over folds and seeds (the shuffled-seed ensemble)."""

from __future__ import annotations

import numpy as np


def average(predictions, weights=None) -> np.ndarray:
    """Weighted mean of same-shaped prediction arrays (equal weights by default)."""
    stacked = np.stack([np.asarray(p, dtype=np.float64) for p in predictions])
    if weights is None:
        return stacked.mean(axis=0).astype(np.float32)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (len(stacked),) or weights.sum() <= 0:
        raise ValueError(f"need {len(stacked)} non-negative weights with a positive sum, got {weights}")
    return np.tensordot(weights / weights.sum(), stacked, axes=1).astype(np.float32)
