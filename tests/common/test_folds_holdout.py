"""The single stratified holdout of common.folds."""

import numpy as np
import pytest

from compete.common.runs import folds


def test_holdout_is_stratified_and_reproducible():
    y = np.repeat(np.arange(5), [100, 40, 60, 20, 80])
    a = folds.stratified_holdout(y, 0.25, seed=3)
    assert set(np.unique(a)) == {-1, 0}
    assert (a == 0).sum() == 75
    for k, n in enumerate([100, 40, 60, 20, 80]):
        assert ((a == 0) & (y == k)).sum() == n // 4
    assert np.array_equal(a, folds.stratified_holdout(y, 0.25, seed=3))
    assert not np.array_equal(a, folds.stratified_holdout(y, 0.25, seed=4))


@pytest.mark.parametrize("fraction", [0, 1, 1.5])
def test_holdout_fraction_checked(fraction):
    with pytest.raises(ValueError, match="fraction"):
        folds.stratified_holdout(np.arange(10) % 2, fraction)
