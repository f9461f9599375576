"""Stratified folds on several keys at once (e.g. class and domain), optionally keeping groups (duplicates) whole."""

from __future__ import annotations

from collections import Counter

import numpy as np

from common.folds import stratified_folds, stratified_group_folds


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
