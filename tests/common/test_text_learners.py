"""Text fold models on the engine: fit, predict, save, load, seeded refits; validation labels are no part of a unit."""

import numpy as np

from compete.common.runs import fingerprint
from compete.common.runs.engine import Engine, Split, Unit
from compete.common.runs.folds import stratified_folds
from compete.common.runs.run import Run
from compete.common.text.learners import SklearnLearner, seeded
from compete.common.text.linear import binary_nbsvm, tfidf_logreg


def _split(n=150, seed=0, labels=None):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n) if labels is None else labels
    filler = ["plot", "actor", "scene", "music", "night"]
    texts = [" ".join(list(rng.choice(filler, 6)) + [("great" if (s == 1) == (rng.random() < 0.85) else "awful")])
             for s in y]
    return Split(np.array([f"r{i:03d}" for i in range(n)]), texts, np.asarray(y), fingerprint.of_texts(texts))


def test_fit_predict_save_load(tmp_path):
    data = _split()
    learner = SklearnLearner(lambda: binary_nbsvm(min_df=1), {"model": "nbsvm"})
    assert learner.uses_validation is False and learner.settings() == {"model": "nbsvm"}
    train, valid = np.arange(100), np.arange(100, 150)
    model, summary = learner.fit(data, train, valid, seed=3, workdir=tmp_path)
    pred, failed = learner.predict(model, data, valid)
    assert pred.shape == (50,) and failed == [] and ((pred >= 0) & (pred <= 1)).all()
    learner.save(model, tmp_path)
    again, _ = learner.predict(learner.load(tmp_path), data, valid)
    assert np.array_equal(pred, again)
    refit, _ = learner.predict(learner.fit(data, train, valid, seed=3, workdir=tmp_path)[0], data, valid)
    assert np.array_equal(pred, refit)  # a unit refits identically


def test_seeded_sets_only_unset_random_states():
    pipeline = seeded(tfidf_logreg(min_df=1), 7)
    assert pipeline.get_params()["logreg__random_state"] == 7
    from sklearn.linear_model import LogisticRegression
    assert seeded(LogisticRegression(random_state=1), 7).random_state == 1


def test_validation_labels_are_not_part_of_a_unit(tmp_path):
    """Editing a label in fold 0's validation rows retrains the units of folds 1 and 2 only."""
    data = _split()
    folds = {0: stratified_folds(data.targets, 3, 0)}
    learner = SklearnLearner(lambda: tfidf_logreg(min_df=1), {"model": "tfidf_lr"})
    run = Run(tmp_path / "runs", "test", "r")
    with run.open():
        Engine(run, learner, data, None, folds, root=run.path / "models" / "m").run_units()
        labels = data.targets.copy()
        row = int(np.flatnonzero(folds[0] == 0)[0])
        labels[row] = 1 - labels[row]
        edited = Split(data.ids, data.inputs, labels, data.content)
        engine = Engine(run, learner, edited, None, folds, root=run.path / "models" / "m")
        assert engine.plan() == [Unit(0, 1), Unit(0, 2)]
        assert engine.status(Unit(0, 1)) == (False, "the training labels changed")
