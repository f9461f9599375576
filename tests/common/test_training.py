import dataclasses

import numpy as np
import pandas as pd
import pytest

from compete.common.training import fitting as training
from compete.common.training.options import FitOptions
from compete.common.data.images import ImageDataset
from compete.common.models.classifier import build_image_classifier


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory):
    import cv2

    root = tmp_path_factory.mktemp("tiny")
    rng = np.random.default_rng(0)
    paths, labels = [], []
    for i in range(48):
        label = i % 2
        image = np.full((16, 16, 3), 40, np.uint8)
        image[:, :, 2 * label] = 220  # blue or red: learnable in one epoch
        image = np.clip(image + rng.integers(0, 30, image.shape), 0, 255).astype(np.uint8)
        cv2.imwrite(str(root / f"{i}.png"), image)
        paths.append(root / f"{i}.png")
        labels.append([label, 1 - label])
    return paths, np.array(labels, np.float32)


def _cfg(**changes):
    settings = dict(epochs=2, head_epochs=1, patience=2, learning_rate=1e-2, lr_schedule="constant")
    return FitOptions(**{**settings, **changes})


def _fit(paths, labels, out_dir, workers=2):
    training.seed_everything(7)
    model = build_image_classifier("tiny_cnn", 16, 2, "softmax", dropout=0.0)
    train = ImageDataset(paths[:32], labels[:32], image_size=16, batch_size=8, shuffle=True, seed=7, workers=workers)
    valid = ImageDataset(paths[32:], labels[32:], image_size=16, batch_size=8, workers=workers)
    summary = training.fit(model, train, valid, out_dir, _cfg(), loss="categorical_crossentropy", verbose=0)
    return model, summary


def test_fit_keeps_the_best_epoch_and_the_image_learner_saves_it(tmp_path, tiny_set):
    from compete.common.training.image_learner import ImageLearner
    from compete.common.training.options import LoaderOptions, PredictOptions

    paths, labels = tiny_set
    model, summary = _fit(paths, labels, tmp_path)
    history = pd.read_csv(tmp_path / "history_full.csv")
    assert len(history) == 2 and "val_loss" in history
    assert summary["best_val_loss"] == pytest.approx(history["val_loss"].min(), rel=1e-5)
    learner = ImageLearner(None, settings={}, fit=_cfg(), loader=LoaderOptions(16, 8), predict=PredictOptions(),
                           loss="categorical_crossentropy")
    learner.save(model, tmp_path)
    saved = learner.load(tmp_path)
    x = ImageDataset(paths[32:], image_size=16, batch_size=16)[0][0]
    np.testing.assert_allclose(saved.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)
    assert not [p for p in tmp_path.iterdir() if "tmp" in p.name]


def test_same_seed_same_weights_on_cpu(tmp_path, tiny_set):
    paths, labels = tiny_set
    a, _ = _fit(paths, labels, tmp_path / "a", workers=2)
    b, _ = _fit(paths, labels, tmp_path / "b", workers=1)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_stages():
    cfg = _cfg(fine_tune="partial", fine_tune_lr_factor=0.1, learning_rate=1e-3, head_epochs=2, epochs=5)
    assert training.stages(cfg, pretrained=True) == [("head", 2, 1e-3), ("partial", 5, pytest.approx(1e-4))]
    assert training.stages(dataclasses.replace(cfg, fine_tune="head"), True) == [("head", 5, 1e-3)]
    assert training.stages(cfg, pretrained=False) == [("full", 5, 1e-3)]


def test_two_stage_fine_tuning_from_a_weights_file(tmp_path, tiny_set):
    from compete.common.models.backbones import build_backbone

    paths, labels = tiny_set
    weights = tmp_path / "pre.weights.h5"
    build_backbone("tiny_cnn", (16, 16, 3)).save_weights(weights)
    model = build_image_classifier("tiny_cnn", 16, 2, "softmax", weights=str(weights))
    frozen_before = model.get_layer("backbone").get_layer("block1_conv1").get_weights()[0].copy()
    train = ImageDataset(paths[:32], labels[:32], image_size=16, batch_size=8)
    valid = ImageDataset(paths[32:], labels[32:], image_size=16, batch_size=8)
    cfg = _cfg(fine_tune="partial", unfreeze_blocks=1)
    training.fit(model, train, valid, tmp_path / "out", cfg, loss="categorical_crossentropy",
                 blocks=("block1_", "block2_", "block3_"), pretrained=True, verbose=0)
    assert (tmp_path / "out" / "history_head.csv").exists() and (tmp_path / "out" / "history_partial.csv").exists()
    np.testing.assert_array_equal(frozen_before, model.get_layer("backbone").get_layer("block1_conv1").get_weights()[0])
