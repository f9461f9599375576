"""CIFAR-10 facts: classes, metric (against scikit-learn), submission format, the sample generator."""

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score

from compete.common import submission
from compete.competitions.cifar10 import layout, sample_data
from compete.competitions.cifar10.classes import CLASSES, VOCABULARY
from compete.competitions.cifar10.format import FORMAT
from compete.competitions.cifar10.metric import accuracy_of


def test_classes_in_batches_meta_order():
    assert CLASSES == ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
    assert VOCABULARY.decode(VOCABULARY.encode(["truck", "airplane"])) == ["truck", "airplane"]


def test_accuracy_matches_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 500)
    probs = rng.random((500, 10))
    probs[np.arange(250), y[:250]] += 2
    expected = accuracy_score(y, probs.argmax(axis=1))
    assert accuracy_of(y, probs) == expected
    assert accuracy_of(np.eye(10)[y], probs) == expected
    assert accuracy_of(y, np.eye(10)[y]) == 1.0


def test_submission_format_checks_class_names(tmp_path):
    sample = pd.DataFrame({"id": ["1", "2", "3"], "label": "cat"})
    good = pd.DataFrame({"id": ["1", "2", "3"], "label": ["cat", "ship", "frog"]})
    assert submission.problems(good, sample, FORMAT) == []
    bad = good.assign(label=["cat", "boat", "frog"])
    assert any("boat" in p for p in submission.problems(bad, sample, FORMAT))


def test_generator_is_reproducible_and_balanced(tmp_path):
    a = sample_data.generate(tmp_path / "a", n_train=50, n_test=12, seed=3)
    b = sample_data.generate(tmp_path / "b", n_train=50, n_test=12, seed=3)
    assert (a / "trainLabels.csv").read_bytes() == (b / "trainLabels.csv").read_bytes()
    assert (a / "train" / "7.png").read_bytes() == (b / "train" / "7.png").read_bytes()
    train = layout.read_train(a)
    assert np.bincount(train.labels, minlength=10).tolist() == [5] * 10
    sample = pd.read_csv(a / "sampleSubmission.csv")
    assert list(sample.columns) == ["id", "label"] and sample["id"].tolist() == list(range(1, 13))


def test_generated_classes_are_separable():
    """Class means differ far more than the spread within a class: learnable at 32 px."""
    rng = np.random.default_rng(0)
    images = np.stack([[sample_data.draw(k, rng).astype(float) for _ in range(20)] for k in range(10)])
    hue_means = images.mean(axis=(1, 2, 3))
    assert images.shape == (10, 20, 32, 32, 3) and len(np.unique(hue_means.round(1), axis=0)) == 10
