"""Samplers' class counts, reproducibility, and class weights against scikit-learn."""

import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight

from compete.common.data import sampling

Y = np.array([0] * 50 + [1] * 20 + [2] * 5)


def counts(indices, y=Y):
    return np.bincount(y[indices], minlength=3).tolist()


def test_random_oversampler_tops_up_to_the_largest_class():
    idx = np.arange(len(Y))
    out = sampling.RandomOverSampler().resample(idx, Y, seed=1)
    assert counts(out) == [50, 50, 50]
    assert set(idx) <= set(out)
    assert counts(sampling.RandomOverSampler(ratio=0.5).resample(idx, Y, 1)) == [50, 25, 25]


def test_random_undersampler_cuts_to_the_smallest_class_without_repeats():
    out = sampling.RandomUnderSampler().resample(np.arange(len(Y)), Y, seed=1)
    assert counts(out) == [5, 5, 5] and len(set(out)) == len(out)
    assert counts(sampling.RandomUnderSampler(ratio=2).resample(np.arange(len(Y)), Y, 1)) == [10, 10, 5]


def test_only_the_given_training_indices_are_used():
    train = np.flatnonzero(np.arange(len(Y)) % 3 != 0)
    for sampler in (sampling.RandomOverSampler(), sampling.RandomUnderSampler(), sampling.ClassBalancedSampler()):
        out = sampler.resample(train, Y, seed=0)
        assert set(out) <= set(train)


def test_class_balanced_sampler_draws_classes_evenly_and_reproducibly():
    big = np.array([0] * 900 + [1] * 90 + [2] * 10)
    sampler = sampling.ClassBalancedSampler()
    out = sampler.resample(np.arange(len(big)), big, seed=3)
    assert len(out) == len(big)
    share = np.bincount(big[out], minlength=3) / len(out)
    assert np.allclose(share, 1 / 3, atol=0.05)
    assert np.array_equal(out, sampler.hook(big)(np.arange(len(big)), 3))
    sqrt = sampling.ClassBalancedSampler(power=0.5).resample(np.arange(len(big)), big, seed=3)
    assert np.bincount(big[sqrt])[0] > np.bincount(big[out])[0]


def test_hook_matches_cv_signature_and_seeds_differ():
    hook = sampling.RandomOverSampler().hook(Y)
    a, b = hook(np.arange(len(Y)), 1), hook(np.arange(len(Y)), 2)
    assert np.array_equal(a, hook(np.arange(len(Y)), 1)) and not np.array_equal(a, b)


def test_class_weights_match_sklearn():
    expected = compute_class_weight("balanced", classes=np.unique(Y), y=Y)
    got = sampling.class_weights(Y, n_classes=4)
    assert np.allclose([got[c] for c in range(3)], expected) and got[3] == 1.0


def test_unknown_names():
    assert sampling.make_sampler("none") is None
    with pytest.raises(ValueError, match="Unknown sampler 'smote'; available"):
        sampling.make_sampler("smote")
    with pytest.raises(ValueError, match="Unknown class weighting"):
        sampling.class_weights(Y, mode="inverse")
