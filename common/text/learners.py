"""Text fold models for the run engine (`compete.common.runs.engine.FoldModel`).

`SklearnLearner` wraps any scikit-learn style estimator over cleaned texts (TF-IDF +
logistic regression, NB-SVM, averaged word vectors); `RecurrentLearner` wraps the Keras
`RecurrentClassifier`. Neither looks at the validation rows while fitting, so a unit's
identity leaves out their labels: a label edit in fold k retrains only the units that
trained on that row. Predictions are P(class 1).

Scikit-learn models are pickled (atomically) and read back through `safe_pickle`, which
refuses any global outside its allow-list; Keras models are saved as `.keras` files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from compete.common.io import safe_pickle

PICKLE_FILE = "model.pkl"


def positive_probability(proba) -> np.ndarray:
    """P(class 1) from a `predict_proba` output, (rows, 2) or (rows,)."""
    proba = np.asarray(proba, dtype=np.float64)
    return proba[:, 1] if proba.ndim == 2 else proba.ravel()


def seeded(estimator, seed: int):
    """`estimator` with every unset `random_state` (nested ones too) set to `seed`, so a unit refits identically."""
    if hasattr(estimator, "get_params") and hasattr(estimator, "set_params"):
        unset = {k: int(seed) for k, v in estimator.get_params(deep=True).items()
                 if (k == "random_state" or k.endswith("__random_state")) and v is None}
        if unset:
            estimator.set_params(**unset)
    return estimator


class SklearnLearner:
    """A fold model around `make_estimator()`, fit on the training rows' texts and labels.

    The fit is seeded with the unit's seed (unset `random_state`s and NumPy's global
    generator), so refitting a unit, or a fresh run, gives the same model.

    Args:
        make_estimator: `() -> estimator` with `fit(texts, y)` and `predict_proba(texts)`, fresh each call.
        settings: everything the fitted model depends on besides its rows (JSON-able), for the unit's key.
    """

    uses_validation = False

    def __init__(self, make_estimator: Callable[[], object], settings: dict):
        self.make_estimator, self._settings = make_estimator, dict(settings)

    def settings(self) -> dict:
        return dict(self._settings)

    def prediction_settings(self) -> dict:
        return {}

    def fit(self, data, train_rows, valid_rows, seed: int, workdir: Path):
        estimator = seeded(self.make_estimator(), seed)
        state = np.random.get_state()
        np.random.seed(seed % 2**32)  # for estimators that draw from NumPy's global generator (NB-SVM's liblinear)
        try:
            estimator.fit(data.take(train_rows), np.asarray(data.targets)[train_rows])
        finally:
            np.random.set_state(state)
        return estimator, {}

    def predict(self, model, data, rows) -> tuple[np.ndarray, list[int]]:
        return positive_probability(model.predict_proba(data.take(rows))).astype(np.float32), []

    def save(self, model, workdir: Path) -> None:
        safe_pickle.dump(model, Path(workdir) / PICKLE_FILE)

    def load(self, workdir: Path):
        return safe_pickle.load(Path(workdir) / PICKLE_FILE)


class RecurrentLearner(SklearnLearner):
    """A fold model around `make_classifier(seed) -> RecurrentClassifier`; saved as `.keras` plus JSON.

    Each unit trains with its own seed (`Unit.training_seed`), so seeds differ in more than their folds.
    The fit's summary names the dtype policy the unit trained under; `jit_compile` (auto, on, off)
    applies to loaded models too, and like in training it changes speed only.
    """

    def __init__(self, make_classifier: Callable[[int], object], settings: dict, jit_compile: str = "auto"):
        super().__init__(None, settings)
        self.make_classifier, self.jit_compile = make_classifier, jit_compile

    def fit(self, data, train_rows, valid_rows, seed: int, workdir: Path):
        classifier = self.make_classifier(seed)
        classifier.fit(data.take(train_rows), np.asarray(data.targets)[train_rows])
        return classifier, {"seed": int(seed), "precision": classifier.policy_}

    def save(self, model, workdir: Path) -> None:
        model.save(workdir)

    def load(self, workdir: Path):
        from compete.common.text.recurrent import RecurrentClassifier

        return RecurrentClassifier.load(workdir, self.jit_compile)
