"""Fold columns, saved with the run: multi-label (iterative stratification), single-label,
several keys at once, groups kept whole, or one holdout."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from compete.common.io import atomic


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
    atomic.write_csv(path, pd.DataFrame({"id": [str(i) for i in ids], "fold": np.asarray(folds)}))


def load(path, ids) -> np.ndarray | None:
    """The saved fold of each of `ids`, joined by id; None when the saved ids are not exactly `ids`."""
    frame = pd.read_csv(path, dtype={"id": str}, keep_default_na=False)
    saved = pd.Series(frame["fold"].to_numpy(np.int64), index=frame["id"])
    wanted = pd.Index([str(i) for i in ids])
    if len(saved) != len(wanted) or saved.index.has_duplicates or not wanted.isin(saved.index).all():
        return None
    return saved.reindex(wanted).to_numpy(np.int64)


def fold_column(path, ids, make, log=None, spec: dict | None = None) -> np.ndarray:
    """The fold of each row: the saved column when it covers exactly these ids and was made by the
    same `spec` (the split's settings, e.g. {"n_splits": 5}), else made anew and saved.

    `make(rows)` gets the row indices sorted by id and returns their folds, so the folds
    do not depend on the order of the rows in the download.
    """
    path = Path(path)
    spec_path = path.with_suffix(".json")
    ids = np.asarray([str(i) for i in ids])
    saved_spec = atomic.read_json(spec_path).get("spec") if spec_path.exists() else None
    if path.exists() and spec is not None and saved_spec != spec:
        if log is not None:
            log(f"{path}: made with {saved_spec}, now {spec}: the folds are made anew")
    elif path.exists():
        folds = load(path, ids)
        if folds is not None:
            return folds
        if log is not None:
            before = set(pd.read_csv(path, dtype={"id": str}, keep_default_na=False)["id"])
            log(f"{path}: the training ids changed since these folds were made ({len(set(ids) - before)} added, "
                f"{len(before - set(ids))} removed), so the folds are made anew")
    order = np.argsort(ids, kind="stable")
    folds = np.empty(len(ids), np.int64)
    folds[order] = np.asarray(make(order), np.int64)
    save(path, ids, folds)
    if spec is not None:
        atomic.write_json(spec_path, {"spec": spec})
    return folds


# Several keys at once (e.g. class and domain), optionally keeping groups (duplicates) whole.





def combined_key(*keys, min_count: int = 2) -> np.ndarray:
    """"a|b|..." per row; rows of combinations rarer than `min_count` fall back to the first key alone,
    and when that pool is still too rare, join the most common combination of their first key."""
    columns = [np.asarray(k).astype(str) for k in keys]
    joined = np.array(["|".join(parts) for parts in zip(*columns)], dtype=object)
    counts = Counter(joined.tolist())
    key = np.where([counts[j] < min_count for j in joined], columns[0].astype(object), joined)
    counts = Counter(key.tolist())
    for i, k in enumerate(key):
        if counts[k] < min_count:
            same = [j for j in key[columns[0] == columns[0][i]].tolist() if counts[j] >= min_count]
            if same:
                key[i] = Counter(same).most_common(1)[0][0]
    return key


def multi_key_folds(*keys, n_splits: int = 5, seed: int = 0, groups=None) -> np.ndarray:
    """Fold id per row, keeping the share of each key combination alike across folds.

    `groups` (an id per row, e.g. duplicate groups) puts all rows of a group in one fold,
    so a copy of a validation image is never trained on; without repeated ids the folds
    are exactly the ungrouped ones.
    """
    key = combined_key(*keys, min_count=n_splits)
    if groups is None or len(np.unique(groups)) == len(key):
        return stratified_folds(key, n_splits, seed)
    return stratified_group_folds(key, groups, n_splits, seed)


def rarest_class(labels) -> tuple[int, int]:
    """The class id with the fewest rows (of those with any) and its count; (-1, 0) with no rows."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64))
    present = np.flatnonzero(counts)
    if not len(present):
        return -1, 0
    k = int(present[np.argmin(counts[present])])
    return k, int(counts[k])


def check_class_counts(labels, n_splits: int, names=None, after: str = "") -> None:
    """Refuse, in one line, more folds than the rarest class has rows: some folds would validate none of it.

    Args:
        labels: integer class per training row.
        names: class names by id, for the message.
        after: what already removed rows ("after hygiene"), for the message.
    """
    from compete.common.errors import quoted
    from compete.common.settings import SettingsError

    k, count = rarest_class(labels)
    if k >= 0 and count < n_splits:
        name = names[k] if names is not None else k
        allowed = f"2 to {count}" if count >= 2 else "none: every class needs at least 2 training rows"
        raise SettingsError(f"n_splits {n_splits}: the rarest class {quoted(name, 60)} has only {count} training "
                            f"row(s){' ' + after if after else ''}, so some folds would validate none of it; "
                            f"allowed: {allowed}")
