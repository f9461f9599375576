"""Blend: weights from OOF predictions only; honest (out-of-fold) blend AUC beats the best single model."""

import inspect

import numpy as np
import pytest

from compete.common.evaluation import ensemble
from compete.common.evaluation.metrics import roc_auc
from compete.common.runs.folds import stratified_folds


def _models(n=3000, seed=0):
    """Three models each seeing part of the signal plus their own noise: a blend should beat each one."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    signal = (2 * y - 1) * 1.0
    cols = [signal + rng.normal(0, s, n) for s in (1.2, 1.5, 2.0)] + [rng.normal(0, 1, n)]  # last one is useless
    return 1 / (1 + np.exp(-np.column_stack(cols))), y


@pytest.mark.parametrize("method", ensemble.BLEND_METHODS)
def test_honest_blend_beats_best_single_model(method):
    oof, y = _models()
    folds = stratified_folds(y, 5, 0)
    best = max(roc_auc(y, oof[:, j]) for j in range(oof.shape[1]))
    honest = ensemble.honest_blend_oof(oof, y, folds, method)
    if method == "mean":  # equal weights include the useless model, yet still help here
        assert roc_auc(y, honest) > best - 0.01
    else:
        assert roc_auc(y, honest) >= best


def test_auc_weights_non_negative_sum_to_one_and_drop_noise():
    oof, y = _models()
    fitted = ensemble.fit_blend(oof, y, "auc", names=["a", "b", "c", "noise"])
    assert (fitted.weights >= 0).all()
    assert fitted.weights[3] == pytest.approx(0.0, abs=0.02 * fitted.weights.max())
    p = fitted.predict(oof)
    assert p.shape == (len(y),) and ((p > 0) & (p < 1)).all()
    assert set(fitted.to_dict()["weights"]) == {"a", "b", "c", "noise"}


def test_weights_never_see_test_predictions():
    assert list(inspect.signature(ensemble.fit_blend).parameters)[:2] == ["oof", "y"]
    oof, y = _models()
    first = ensemble.fit_blend(oof, y, "logistic")
    test_a, test_b = _models(seed=1)[0], _models(seed=2)[0]
    first.predict(test_a), first.predict(test_b)
    again = ensemble.fit_blend(oof, y, "logistic")
    assert np.array_equal(first.weights, again.weights)


def test_honest_blend_oof_uses_other_folds_only():
    oof, y = _models(n=600)
    folds = stratified_folds(y, 3, 0)
    out = ensemble.honest_blend_oof(oof, y, folds, "logistic")
    hold = folds == 0
    expected = ensemble.fit_blend(oof[~hold], y[~hold], "logistic").predict(oof[hold])
    assert np.allclose(out[hold], expected)


def test_unknown_method():
    oof, y = _models(n=100)
    with pytest.raises(ValueError, match="Unknown blend method 'max'; available: auc, logistic, mean"):
        ensemble.fit_blend(oof, y, "max")


def test_standardise_unit_centres_and_scales_logits_on_validation_and_applies_the_same_to_test():
    rng = np.random.default_rng(3)
    valid_logits, test_logits = rng.normal(2.0, 3.0, 500), rng.normal(1.0, 2.0, 200)
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    valid, test = ensemble.standardise_unit(sigmoid(valid_logits), sigmoid(test_logits))
    z = ensemble.logit(valid)
    assert valid.dtype == np.float32 and abs(z.mean()) < 1e-4 and z.std() == pytest.approx(1, abs=1e-4)
    expected = (test_logits - valid_logits.mean()) / valid_logits.std()
    np.testing.assert_allclose(ensemble.logit(test), expected, rtol=1e-4, atol=1e-4)  # not re-centred on test
    assert (np.argsort(valid, kind="stable") == np.argsort(valid_logits, kind="stable")).all()
    assert ensemble.standardise_unit(sigmoid(valid_logits))[1] is None
    constant, _ = ensemble.standardise_unit(np.full(4, 0.7))
    np.testing.assert_allclose(constant, 0.5)


def test_standardising_each_fold_model_recovers_the_pooled_auc_its_folds_earn():
    """Two fold models that rank equally well but on shifted scales: pooled AUC suffers until each is standardised."""
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 2000)
    fold = np.arange(2000) % 2
    logits = (2 * y - 1) + rng.normal(0, 1.5, 2000) + np.where(fold == 0, 3.0, -3.0)
    p = 1 / (1 + np.exp(-logits))
    fold_mean = np.mean([roc_auc(y[fold == f], p[fold == f]) for f in (0, 1)])
    standardised = p.copy()
    for f in (0, 1):
        standardised[fold == f] = ensemble.standardise_unit(p[fold == f])[0]
    assert roc_auc(y, p) < fold_mean - 0.1
    assert roc_auc(y, standardised) == pytest.approx(fold_mean, abs=0.01)
