"""Macro-F1, accuracy, breakdowns and bias tuning, checked against scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from compete.common.evaluation import biastuning, metrics as classmetrics, confusion_image
from compete.common.runs import folds as stratify


@pytest.mark.parametrize("seed", range(5))
def test_macro_f1_and_accuracy_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 6, 200)
    pred = np.where(rng.random(200) < 0.6, y, rng.integers(0, 7, 200))
    assert classmetrics.macro_f1(y, pred) == pytest.approx(f1_score(y, pred, average="macro"))
    assert classmetrics.accuracy(y, pred) == pytest.approx(accuracy_score(y, pred))
    assert np.array_equal(classmetrics.confusion_matrix(y, pred, 7), confusion_matrix(y, pred, labels=range(7)))
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=range(7), zero_division=0)
    rows = classmetrics.per_class(y, pred, [f"c{k}" for k in range(7)])
    assert np.allclose([x["f1"] for x in rows], f) and np.allclose([x["precision"] for x in rows], p)
    assert np.allclose([x["recall"] for x in rows], r) and [x["support"] for x in rows] == s.tolist()


def test_per_group():
    y = np.array([0, 1, 0, 1, 2, 2])
    pred = np.array([0, 1, 1, 1, 2, 0])
    groups = ["A", "A", "A", "B", "B", "B"]
    out = classmetrics.per_group(y, pred, groups, 3)
    assert out["A"]["n"] == 3 and out["A"]["macro_f1"] == pytest.approx(f1_score(y[:3], pred[:3], average="macro"))
    assert out["B"]["accuracy"] == pytest.approx(2 / 3)


def test_bias_tuning_raises_macro_f1_and_held_out_is_honest():
    rng = np.random.default_rng(0)
    n, k = 600, 5
    y = rng.choice(k, n, p=[0.5, 0.2, 0.15, 0.1, 0.05])
    logits = rng.normal(size=(n, k)) + 1.2 * np.eye(k)[y]
    logits[:, 0] += 1.0  # a model biased to the majority class
    scores = biastuning.log_scores(np.exp(logits) / np.exp(logits).sum(1, keepdims=True))
    before = f1_score(y, scores.argmax(1), average="macro")
    biases, after = biastuning.tune(y, scores)
    assert after == pytest.approx(f1_score(y, biastuning.apply(scores, biases), average="macro"))
    assert after > before + 0.02 and biases[0] < 0
    folds = stratify.multi_key_folds(y, n_splits=5, seed=0)
    held = f1_score(y, biastuning.held_out(y, scores, folds), average="macro")
    assert before < held <= after + 1e-9


def test_combined_key_folds_stratify_both_and_handle_rare_combinations():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 4, 400)
    domain = rng.choice(["A", "B", "C"], 400)
    domain[0] = "RARE"
    folds = stratify.multi_key_folds(y, domain, n_splits=4, seed=0)
    assert np.array_equal(folds, stratify.multi_key_folds(y, domain, n_splits=4, seed=0))
    for value in ("A", "B"):
        share = [np.mean(domain[folds == f] == value) for f in range(4)]
        assert max(share) - min(share) < 0.06
    key = stratify.combined_key(y, domain, min_count=4)
    assert "|" in key[1] and "|" not in key[0] or key[0].startswith(str(y[0]))


def test_confusion_image_is_a_png(tmp_path):
    import cv2
    path = confusion_image.draw(np.array([[5, 1], [2, 7]]), ["a", "b"], tmp_path / "cm.png")
    image = cv2.imread(str(path))
    assert image is not None and image.shape[0] > 100 and not list(tmp_path.glob(".*tmp*"))
