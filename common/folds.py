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


def stratified_group_folds(y: np.ndarray, groups, n_splits: int = 5, seed: int = 0) -> np.ndarray:
    """Fold id per row with every group in one fold, class shares kept as alike as the groups allow."""
    from sklearn.model_selection import StratifiedGroupKFold

    y, groups = np.asarray(y), np.asarray(groups)
    if groups.shape != (len(y),):
        raise ValueError(f"need one group per row: {len(y)} rows, groups of shape {groups.shape}")
    _check(len(np.unique(groups)), n_splits)
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return _assign(splitter.split(np.zeros(len(y)), y, groups), len(y))


def stratified_holdout(y: np.ndarray, fraction: float = 0.2, seed: int = 0) -> np.ndarray:
    """One stratified validation split as a fold column: 0 for held-out rows, -1 for rows only trained on."""
    from sklearn.model_selection import StratifiedShuffleSplit

    y = np.asarray(y)
    if not 0 < fraction < 1:
        raise ValueError(f"holdout fraction must be between 0 and 1, got {fraction}")
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    _, valid = next(splitter.split(np.zeros(len(y)), y))
    folds = np.full(len(y), -1, dtype=np.int64)
    folds[valid] = 0
    return folds


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
