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


def test_saved_fold_column_is_reused_and_joined_by_id(tmp_path):
    ids = [f"img_{i:02d}" for i in range(20)]
    made = folds.fold_column(tmp_path / "folds.csv", ids, lambda rows: np.arange(len(rows)) % 4)
    again = folds.fold_column(tmp_path / "folds.csv", ids, lambda rows: pytest.fail("must reuse the saved folds"))
    assert np.array_equal(made, again)
    shuffled = list(np.random.default_rng(0).permutation(ids))
    joined = folds.fold_column(tmp_path / "folds.csv", shuffled, lambda rows: pytest.fail("must reuse them"))
    assert dict(zip(shuffled, joined)) == dict(zip(ids, made))


def test_fold_column_is_made_anew_when_the_ids_change_and_says_so(tmp_path):
    ids = [f"img_{i:02d}" for i in range(20)]
    folds.fold_column(tmp_path / "folds.csv", ids, lambda rows: np.arange(len(rows)) % 4)
    said = []
    fewer = folds.fold_column(tmp_path / "folds.csv", ids[:-1], lambda rows: np.arange(len(rows)) % 2, said.append)
    assert set(fewer.tolist()) == {0, 1}
    assert "1 removed" in said[0] and "made anew" in said[0]


def test_fold_column_does_not_depend_on_the_row_order_of_the_download(tmp_path):
    ids = np.array([f"img_{i:02d}" for i in range(30)])
    y = np.arange(30) % 3
    order = np.random.default_rng(1).permutation(30)
    a = folds.fold_column(tmp_path / "a.csv", ids, lambda rows: folds.stratified_folds(y[rows], 3, 0))
    b = folds.fold_column(tmp_path / "b.csv", ids[order], lambda rows: folds.stratified_folds(y[order][rows], 3, 0))
    assert dict(zip(ids.tolist(), a)) == dict(zip(ids[order].tolist(), b))


def test_too_few_rows():
    with pytest.raises(ValueError, match="cannot split 3 rows into 5 folds"):
        folds.stratified_folds(np.array([0, 1, 0]), 5)


def test_fold_column_is_made_anew_when_the_split_settings_change(tmp_path):
    ids = [f"img_{i:02d}" for i in range(20)]
    folds.fold_column(tmp_path / "folds.csv", ids, lambda rows: np.arange(len(rows)) % 4, spec={"n_splits": 4})
    said = []
    again = folds.fold_column(tmp_path / "folds.csv", ids, lambda rows: np.arange(len(rows)) % 2, said.append,
                              spec={"n_splits": 2})
    assert set(again.tolist()) == {0, 1} and "made anew" in said[0]
    kept = folds.fold_column(tmp_path / "folds.csv", ids, lambda rows: pytest.fail("same spec: reuse"),
                             spec={"n_splits": 2})
    assert np.array_equal(kept, again)
