"""IMDB metric: rank-based ROC AUC (ties half) against scikit-learn; accuracy at 0.5."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, roc_auc_score

from compete.common.evaluation.metrics import average_ranks, roc_auc
from compete.competitions.imdb.metric import accuracy


@pytest.mark.parametrize("seed", range(5))
def test_auc_matches_sklearn_random_and_tied_scores(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=500)
    scores = y * 0.7 + rng.normal(size=500)
    assert roc_auc(y, scores) == pytest.approx(roc_auc_score(y, scores), abs=1e-12)
    tied = np.round(scores, 1)  # many ties
    assert roc_auc(y, tied) == pytest.approx(roc_auc_score(y, tied), abs=1e-12)


def test_auc_edge_cases():
    assert roc_auc([0, 1], [0.1, 0.9]) == 1.0
    assert roc_auc([0, 1], [0.9, 0.1]) == 0.0
    assert roc_auc([0, 1, 0, 1], [0.5] * 4) == 0.5
    with pytest.raises(ValueError):
        roc_auc([1, 1], [0.2, 0.3])
    with pytest.raises(ValueError):
        roc_auc([0, 2], [0.2, 0.3])


def test_average_ranks_share_ties():
    assert average_ranks([3.0, 1.0, 3.0, 2.0]).tolist() == [3.5, 1.0, 3.5, 2.0]


def test_accuracy_at_half_matches_sklearn():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, 300), rng.random(300)
    assert accuracy(y, p) == pytest.approx(accuracy_score(y, p >= 0.5))
