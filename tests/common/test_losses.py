"""Focal loss against a numpy reference, cross-entropy at gamma=0, and serialisation."""

import keras
import numpy as np
import pytest

from compete.common.models.losses import CategoricalFocalLoss


def reference(y, p, gamma, alpha=None):
    p = np.clip(p / p.sum(1, keepdims=True), 1e-7, 1 - 1e-7)
    term = -y * (1 - p) ** gamma * np.log(p)
    if alpha is not None:
        term = term * np.asarray(alpha)
    return term.sum(1).mean()


@pytest.fixture
def batch():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(16, 5)).astype(np.float32)
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = np.eye(5, dtype=np.float32)[rng.integers(0, 5, 16)]
    return y, p.astype(np.float32), logits


@pytest.mark.parametrize("gamma", [0.0, 1.0, 2.0, 5.0])
def test_matches_numpy_reference(batch, gamma):
    y, p, logits = batch
    assert float(CategoricalFocalLoss(gamma)(y, p)) == pytest.approx(reference(y, p, gamma), rel=1e-5)
    assert float(CategoricalFocalLoss(gamma, from_logits=True)(y, logits)) == pytest.approx(reference(y, p, gamma), rel=1e-4)


def test_alpha_weights_classes(batch):
    y, p, _ = batch
    alpha = [1.0, 2.0, 0.5, 1.0, 3.0]
    assert float(CategoricalFocalLoss(2.0, alpha)(y, p)) == pytest.approx(reference(y, p, 2.0, alpha), rel=1e-5)


def test_gamma_zero_is_categorical_crossentropy(batch):
    y, p, _ = batch
    cce = keras.losses.CategoricalCrossentropy()(y, p)
    assert float(CategoricalFocalLoss(0.0)(y, p)) == pytest.approx(float(cce), rel=1e-5)


def test_focusing_lowers_easy_rows_more(batch):
    y, p, _ = batch
    assert float(CategoricalFocalLoss(2.0)(y, p)) < float(CategoricalFocalLoss(0.0)(y, p))


def test_serialisable_in_a_saved_model(tmp_path, batch):
    y, p, _ = batch
    loss = keras.losses.deserialize(keras.losses.serialize(CategoricalFocalLoss(1.5, [1.0] * 5)))
    assert loss.gamma == 1.5 and loss.alpha == [1.0] * 5
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, activation="softmax")])
    model.compile(loss=CategoricalFocalLoss(1.5), optimizer="adam")
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    assert isinstance(again.loss, CategoricalFocalLoss) and again.loss.gamma == 1.5
