"""K-fold assignments: multi-label (iterative stratification) and single-label, saved with the run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from common import atomic


def multilabel_folds(y: np.ndarray, n_splits: int = 5, seed: int = 0) -> np.ndarray:
    """Fold id per row, keeping every label's share alike across folds (Sechidis et al. 2011)."""
    from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

    y = np.asarray(y)
    _check(len(y), n_splits)
    splitter = MultilabelStratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return _assign(splitter.split(np.zeros(len(y)), y), len(y))


def stratified_folds(y: np.ndarray, n_splits: int = 5, seed: int = 0) -> np.ndarray:
    """Fold id per row for single-label targets (scikit-learn's StratifiedKFold)."""
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(y)
    _check(len(y), n_splits)
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return _assign(splitter.split(np.zeros(len(y)), y), len(y))


def _check(n: int, n_splits: int) -> None:
    if n_splits < 2:
        raise ValueError(f"n_splits must be at least 2, got {n_splits}")
    if n < n_splits:
        raise ValueError(f"cannot split {n} rows into {n_splits} folds")


def _assign(splits, n: int) -> np.ndarray:
    folds = np.full(n, -1, dtype=np.int64)
    for fold, (_, valid) in enumerate(splits):
        folds[valid] = fold
    return folds


def save(path, ids, folds) -> None:
    """Save the assignment as `id,fold` CSV so a run can be audited and resumed."""
    atomic.write_csv(path, pd.DataFrame({"id": list(ids), "fold": np.asarray(folds)}))


def load(path, ids) -> np.ndarray:
    """Load a saved assignment, checking it covers exactly `ids` in the same order."""
    from common.errors import DataError

    frame = pd.read_csv(path, dtype={"id": str})
    if list(frame["id"]) != [str(i) for i in ids]:
        raise DataError(path, "saved folds do not match the training rows; delete the run directory or choose another --run")
    return frame["fold"].to_numpy(dtype=np.int64)


def load_or_create(path, ids, make) -> np.ndarray:
    """Reuse the folds saved at `path`, or call `make()` and save its result."""
    if Path(path).exists():
        return load(path, ids)
    folds = make()
    save(path, ids, folds)
    return folds
