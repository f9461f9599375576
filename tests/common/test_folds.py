import numpy as np
import pytest

from compete.common.runs import folds
from compete.common.errors import DataError


def _labels(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    rates = np.array([0.7, 0.3, 0.1, 0.05, 0.02, 0.9])
    return (rng.random((n, len(rates))) < rates).astype(int)


def test_multilabel_folds_keep_every_tag_share():
    y = _labels()
    assignment = folds.multilabel_folds(y, n_splits=5, seed=0)
    assert sorted(np.unique(assignment)) == [0, 1, 2, 3, 4]
    assert np.bincount(assignment).min() >= len(y) // 5 - 2
    overall = y.mean(axis=0)
    for fold in range(5):
        share = y[assignment == fold].mean(axis=0)
        assert np.all(np.abs(share - overall) <= np.maximum(0.01, 0.15 * overall))


def test_same_seed_same_folds_other_seed_other_folds():
    y = _labels()
    a = folds.multilabel_folds(y, 5, seed=3)
    assert np.array_equal(a, folds.multilabel_folds(y, 5, seed=3))
    assert not np.array_equal(a, folds.multilabel_folds(y, 5, seed=4))
    s = folds.stratified_folds(y[:, 1], 5, seed=3)
    assert np.array_equal(s, folds.stratified_folds(y[:, 1], 5, seed=3))


def test_stratified_folds_keep_class_shares():
    y = np.repeat([0, 1, 2], [500, 300, 50])
    assignment = folds.stratified_folds(y, 5, seed=0)
    for fold in range(5):
        assert np.bincount(y[assignment == fold], minlength=3).tolist() == [100, 60, 10]


def test_saved_folds_round_trip_and_guard_against_other_rows(tmp_path):
    ids = [f"img_{i}" for i in range(20)]
    made = folds.load_or_create(tmp_path / "folds.csv", ids, lambda: np.arange(20) % 4)
    again = folds.load_or_create(tmp_path / "folds.csv", ids, lambda: pytest.fail("must reuse the saved folds"))
    assert np.array_equal(made, again)
    with pytest.raises(DataError, match="do not match"):
        folds.load(tmp_path / "folds.csv", ids[:-1])


def test_too_few_rows():
    with pytest.raises(ValueError, match="cannot split 3 rows into 5 folds"):
        folds.stratified_folds(np.array([0, 1, 0]), 5)
