import numpy as np
import pytest
from sklearn.metrics import fbeta_score

from compete.common.evaluation.metrics import fbeta_per_sample, mean_fbeta


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("seed", range(5))
def test_mean_fbeta_matches_sklearn_samples_average(beta, seed):
    rng = np.random.default_rng(seed)
    y_true = (rng.random((300, 17)) < 0.2).astype(int)
    y_true[np.arange(300), rng.integers(0, 17, 300)] = 1
    y_pred = (rng.random((300, 17)) < 0.25).astype(int)
    expected = fbeta_score(y_true, y_pred, beta=beta, average="samples", zero_division=0)
    assert mean_fbeta(y_true, y_pred, beta) == pytest.approx(expected, abs=1e-12)


def test_rows_without_labels_follow_zero_division():
    y_true = np.array([[0, 0], [1, 0]])
    y_pred = np.array([[0, 0], [1, 0]])
    assert fbeta_per_sample(y_true, y_pred, 2.0, zero_division=1.0).tolist() == [1.0, 1.0]
    assert fbeta_per_sample(y_true, y_pred, 2.0, zero_division=0.0).tolist() == [0.0, 1.0]
    expected = fbeta_score(y_true, y_pred, beta=2, average="samples", zero_division=1)
    assert mean_fbeta(y_true, y_pred, 2.0, zero_division=1.0) == pytest.approx(expected)


def test_f2_weighs_recall_over_precision():
    y_true = np.array([[1, 1, 0, 0]])
    missed_one = np.array([[1, 0, 0, 0]])
    one_extra = np.array([[1, 1, 1, 0]])
    assert mean_fbeta(y_true, one_extra, 2.0) > mean_fbeta(y_true, missed_one, 2.0)
