"""Ensembles: averaging folds and seeds, and blending models with weights fit on out-of-fold predictions only.

Blends combine logits. "auc": non-negative weights summing to 1 chosen by greedy forward
selection with replacement (Caruana et al. 2004) to maximise OOF ROC AUC; "logistic": a
logistic regression on the OOF logits; "mean": equal weights. `honest_blend_oof` scores a
method fairly: each fold's rows are blended with weights fit on the other folds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from compete.common.evaluation.metrics import roc_auc


def average(predictions, weights=None) -> np.ndarray:
    """Weighted mean of same-shaped prediction arrays (equal weights by default)."""
    stacked = np.stack([np.asarray(p, dtype=np.float64) for p in predictions])
    if weights is None:
        return stacked.mean(axis=0).astype(np.float32)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (len(stacked),) or weights.sum() <= 0:
        raise ValueError(f"need {len(stacked)} non-negative weights with a positive sum, got {weights}")
    return np.tensordot(weights / weights.sum(), stacked, axes=1).astype(np.float32)


# Blending models: the names say "blend", so they never read as the fold/seed `average`.

BLEND_METHODS = ("auc", "logistic", "mean")


def logit(p) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def sigmoid(z) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def standardise_unit(valid, test=None):
    """One fold model's probabilities as z-scores of its logits, back through the sigmoid.

    The mean and spread come from the model's own validation outputs (no labels), and the
    same transform is applied to its test outputs, so fold models whose scores sit on
    different scales pool and blend fairly. Each unit's order is kept (up to `logit`'s clipping).
    Returns (valid, test) as float32, test None when not given.
    """
    z = logit(valid)
    centre, spread = float(np.mean(z)), float(np.std(z))
    spread = spread if spread > 1e-12 else 1.0

    def squash(p):
        return sigmoid((logit(p) - centre) / spread).astype(np.float32)

    return squash(valid), None if test is None else squash(test)


@dataclass
class Blend:
    """Weights (and intercept) over the columns of a (rows, models) probability matrix."""

    method: str
    weights: np.ndarray
    intercept: float = 0.0
    names: list[str] = field(default_factory=list)

    def predict(self, predictions) -> np.ndarray:
        """Blended probabilities for a (rows, models) matrix of the models' probabilities."""
        predictions = np.asarray(predictions, dtype=np.float64)
        if predictions.ndim != 2 or predictions.shape[1] != len(self.weights):
            raise ValueError(f"expected a (rows, {len(self.weights)}) prediction matrix, got {predictions.shape}")
        return sigmoid(logit(predictions) @ self.weights + self.intercept)

    def to_dict(self) -> dict:
        return {"method": self.method, "weights": dict(zip(self.names or map(str, range(len(self.weights))),
                                                           map(float, self.weights))),
                "intercept": float(self.intercept)}


def fit_blend(oof, y, method: str = "auc", names=None, steps: int = 40) -> Blend:
    """Blend weights from OOF probabilities (rows, models) and labels; never given test predictions."""
    oof, y = np.asarray(oof, dtype=np.float64), np.asarray(y)
    if oof.ndim != 2 or len(oof) != len(y):
        raise ValueError(f"expected a (rows, models) OOF matrix with {len(y)} rows, got {oof.shape}")
    names = list(names or [])
    models = oof.shape[1]
    if method == "mean":
        return Blend(method, np.full(models, 1.0 / models), 0.0, names)
    z = logit(oof)
    if method == "logistic":
        from sklearn.linear_model import LogisticRegression

        linear = LogisticRegression(C=1.0, max_iter=1000).fit(z, y)
        return Blend(method, linear.coef_.ravel().astype(np.float64), float(linear.intercept_[0]), names)
    if method == "auc":
        return Blend(method, _forward_selection(z, y, steps), 0.0, names)
    raise ValueError(f"Unknown blend method {method!r}; available: {', '.join(BLEND_METHODS)}")


def _forward_selection(z: np.ndarray, y: np.ndarray, steps: int) -> np.ndarray:
    """Start from the best model; repeatedly add (with replacement) the one that most raises AUC."""
    models = z.shape[1]
    scale = z.std(axis=0)
    z = z / np.where(scale > 0, scale, 1.0)  # models on one scale, so counts are comparable weights
    counts = np.zeros(models)
    counts[int(np.argmax([roc_auc(y, z[:, j]) for j in range(models)]))] = 1
    total = z @ counts
    best = roc_auc(y, total)
    for _ in range(steps - 1):
        scores = [roc_auc(y, total + z[:, j]) for j in range(models)]
        j = int(np.argmax(scores))
        if scores[j] < best - 1e-12:
            break
        counts[j] += 1
        total = total + z[:, j]
        best = scores[j]
    weights = counts / np.where(scale > 0, scale, 1.0)
    return weights / counts.sum()


def honest_blend_oof(oof, y, folds, method: str = "auc", names=None) -> np.ndarray:
    """Blended OOF where fold k's rows use weights fit on the other folds' rows (the same folds as the models)."""
    oof, y, folds = np.asarray(oof, dtype=np.float64), np.asarray(y), np.asarray(folds)
    out = np.empty(len(y))
    for fold in np.unique(folds):
        hold = folds == fold
        out[hold] = fit_blend(oof[~hold], y[~hold], method, names).predict(oof[hold])
    return out
