"""Class-imbalance tools for any pipeline: over/undersamplers of training indices and class weights.

Each sampler is a small object with `resample(indices, y, seed) -> indices` (the
training part of a fold only), and `hook(y)` gives the `resample(train_indices, seed)`
callable that `common.cv.run` takes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _counts(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.unique(labels, return_counts=True)


class _Sampler:
    """What every sampler shares: the fold's rows with their labels and a seeded generator, and `hook`."""

    @staticmethod
    def _rows(indices, y, seed):
        indices = np.asarray(indices)
        return indices, np.asarray(y)[indices], np.random.default_rng(seed)

    def hook(self, y):
        return lambda indices, seed: self.resample(indices, y, seed)


@dataclass(frozen=True)
class RandomOverSampler(_Sampler):
    """Duplicate random members of each class until it has `ratio` x the largest class's count (at least its own)."""

    ratio: float = 1.0

    def resample(self, indices, y, seed: int = 0) -> np.ndarray:
        indices, labels, rng = self._rows(indices, y, seed)
        classes, counts = _counts(labels)
        target = int(round(self.ratio * counts.max()))
        extra = [rng.choice(indices[labels == c], target - n, replace=True)
                 for c, n in zip(classes, counts) if target > n]
        return np.sort(np.concatenate([indices, *extra])) if extra else np.sort(indices)


@dataclass(frozen=True)
class RandomUnderSampler(_Sampler):
    """Keep a random `min(count, ratio x smallest count)` members of each class, without replacement."""

    ratio: float = 1.0

    def resample(self, indices, y, seed: int = 0) -> np.ndarray:
        indices, labels, rng = self._rows(indices, y, seed)
        classes, counts = _counts(labels)
        target = max(1, int(round(self.ratio * counts.min())))
        kept = [rng.choice(indices[labels == c], min(n, target), replace=False) for c, n in zip(classes, counts)]
        return np.sort(np.concatenate(kept))


@dataclass(frozen=True)
class ClassBalancedSampler(_Sampler):
    """Draw as many rows as given, with replacement, row probability proportional to count(class) ** -power.

    power=1 makes every class equally likely per draw; 0.5 is square-root sampling; 0 is a bootstrap.
    """

    power: float = 1.0

    def resample(self, indices, y, seed: int = 0) -> np.ndarray:
        indices, labels, rng = self._rows(indices, y, seed)
        classes, counts = _counts(labels)
        per_class = dict(zip(classes.tolist(), counts.astype(np.float64) ** -self.power))
        weights = np.array([per_class[c] for c in labels.tolist()])
        return np.sort(rng.choice(indices, len(indices), replace=True, p=weights / weights.sum()))


SAMPLERS = {"oversample": RandomOverSampler, "undersample": RandomUnderSampler, "class_balanced": ClassBalancedSampler}


def make_sampler(name: str, **kwargs):
    """A sampler by name, or None for "none"."""
    if name in ("none", "", None):
        return None
    if name not in SAMPLERS:
        raise ValueError(f"Unknown sampler {name!r}; available: none, {', '.join(SAMPLERS)}")
    return SAMPLERS[name](**kwargs)


def class_weights(y, n_classes: int | None = None, mode: str = "balanced") -> dict[int, float]:
    """{class id: weight}; "balanced" is n / (k * count) over the k classes present, as scikit-learn's.

    Classes absent from `y` (but below `n_classes`) get weight 1.
    """
    y = np.asarray(y)
    if mode != "balanced":
        raise ValueError(f"Unknown class weighting {mode!r}; available: balanced")
    classes, counts = _counts(y)
    weights = len(y) / (len(classes) * counts.astype(np.float64))
    out = {int(c): 1.0 for c in range(n_classes or 0)}
    out.update({int(c): float(w) for c, w in zip(classes, weights)})
    return out
