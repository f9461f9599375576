"""The run engine on a tiny NumPy model: units keyed by their data, re-prediction, assembly joined by id, locks."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from compete.common.errors import DataError
from compete.common.runs import fingerprint
from compete.common.runs.engine import Engine, Incomplete, Split, Unit
from compete.common.runs.lock import Busy, FileLock
from compete.common.runs.run import Run, check_name


class LeastSquares:
    """A fold model with counters: y ~ x @ w on the training rows."""

    def __init__(self, uses_validation=True, scale=1.0):
        self.uses_validation, self.scale = uses_validation, scale
        self.fits, self.predictions = 0, 0

    def settings(self):
        return {"kind": "least_squares"}

    def prediction_settings(self):
        return {"scale": self.scale}

    def fit(self, data, train_rows, valid_rows, seed, workdir):
        self.fits += 1
        w, *_ = np.linalg.lstsq(data.inputs[train_rows], data.targets[train_rows], rcond=None)
        return w, {"rows": len(train_rows)}

    def predict(self, model, data, rows):
        self.predictions += 1
        return data.inputs[rows] @ model * self.scale, []

    def save(self, model, workdir):
        np.save(workdir / "w.npy", model)

    def load(self, workdir):
        return np.load(workdir / "w.npy")


def _data(n=30, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + rng.normal(scale=0.1, size=n)
    ids = np.array([f"r{i:03d}" for i in range(n)])
    return Split(ids, x, y, fingerprint.of_arrays(x))


def _engine(tmp_path, model, train, test=None, seeds=(0,), k=3):
    run = Run(tmp_path / "runs", "toy", "r")
    run.path.mkdir(parents=True, exist_ok=True)
    order = np.argsort(train.ids)
    folds = {}
    for seed in seeds:
        column = np.empty(len(train), np.int64)
        column[order] = np.random.default_rng(seed).permutation(len(train)) % k
        folds[seed] = column
    return Engine(run, model, train, test, folds)


def test_units_train_once_and_assemble_joined_by_id(tmp_path):
    train, test = _data(), _data(12, seed=1)
    model = LeastSquares()
    engine = _engine(tmp_path, model, train, Split(test.ids, test.inputs, None, test.content), seeds=(0, 1))
    assert [u.name for u in engine.units()] == ["seed0/fold0", "seed0/fold1", "seed0/fold2",
                                                 "seed1/fold0", "seed1/fold1", "seed1/fold2"]
    engine.run_units()
    assert model.fits == 6
    out = engine.assemble()
    assert out.oof_by_seed.shape == (2, 30) and out.scored.all() and out.test.shape == (12,)
    again = _engine(tmp_path, model, train, Split(test.ids, test.inputs, None, test.content), seeds=(0, 1))
    again.run_units()
    assert model.fits == 6
    np.testing.assert_allclose(again.assemble().oof, out.oof)


def test_reordered_rows_change_nothing_and_results_follow_their_ids(tmp_path):
    train, test = _data(), _data(12, seed=1)
    test = Split(test.ids, test.inputs, None, test.content)
    model = LeastSquares()
    first = _engine(tmp_path, model, train, test)
    first.run_units()
    before = first.assemble()
    p, q = np.random.default_rng(5).permutation(30), np.random.default_rng(6).permutation(12)
    shuffled_train = Split(train.ids[p], train.inputs[p], train.targets[p], train.content[p])
    shuffled_test = Split(test.ids[q], test.inputs[q], None, test.content[q])
    second = Engine(first.run, model, shuffled_train, shuffled_test, {0: first.folds[0][p]})
    second.run_units()
    after = second.assemble()
    assert model.fits == 3 and model.predictions == 6
    np.testing.assert_allclose(after.oof, before.oof[p])
    np.testing.assert_allclose(after.test, before.test[q])


@pytest.mark.parametrize("uses_validation, retrained", [(True, 3), (False, 2)])
def test_an_edited_label_retrains_exactly_the_units_that_depend_on_it(tmp_path, caplog, uses_validation, retrained):
    train = _data()
    model = LeastSquares(uses_validation)
    engine = _engine(tmp_path, model, train)
    engine.run_units()
    targets = train.targets.copy()
    targets[4] += 10
    edited = Engine(engine.run, model, Split(train.ids, train.inputs, targets, train.content), None, engine.folds)
    with caplog.at_level("INFO", logger="compete"):
        edited.run_units()
    assert model.fits == 3 + retrained
    assert "2 of 3 unit(s) to train (the training labels changed)" in caplog.text
    assert ("1 of 3 unit(s) to train (the validation labels changed)" in caplog.text) == uses_validation
    valid_fold = engine.folds[0][4]
    assert edited.status(Unit(0, int(valid_fold)))[0]


def test_changed_settings_and_changed_inputs_are_named(tmp_path):
    train = _data()
    model = LeastSquares()
    engine = _engine(tmp_path, model, train)
    engine.run_units()
    model.settings = lambda: {"kind": "ridge"}
    assert engine.status(Unit(0, 0))[0]  # the engine reads the settings once, when made
    again = Engine(engine.run, model, train, None, engine.folds)
    assert again.status(Unit(0, 0)) == (False, "settings changed: kind 'least_squares' -> 'ridge'")
    model.settings = LeastSquares().settings
    inputs = train.inputs.copy()
    inputs[0, 0] += 1
    changed = Engine(engine.run, model, Split(train.ids, inputs, train.targets, fingerprint.of_arrays(inputs)), None,
                     engine.folds)
    assert "training inputs (files or texts)" in changed.status(Unit(0, 0))[1]


def test_prediction_settings_and_changed_test_rows_re_predict_without_training(tmp_path, caplog):
    train, test = _data(), _data(12, seed=1)
    test = Split(test.ids, test.inputs, None, test.content)
    model = LeastSquares()
    engine = _engine(tmp_path, model, train, test)
    engine.run_units()
    base = engine.assemble().test
    model.scale = 2.0
    with caplog.at_level("INFO", logger="compete"):
        Engine(engine.run, model, train, test, engine.folds).run_units()
    assert model.fits == 3 and "prediction settings changed" in caplog.text
    model.scale = 1.0
    inputs = test.inputs.copy()
    inputs[3] += 1
    fewer = Split(test.ids[1:], inputs[1:], None, fingerprint.of_arrays(inputs[1:]))
    engine = Engine(engine.run, model, train, fewer, engine.folds)
    engine.run_units()
    out = engine.assemble()
    assert model.fits == 3 and out.test.shape == (11,)
    np.testing.assert_allclose(out.test[[0, 1, 3]], base[[1, 2, 4]])
    assert not np.allclose(out.test[2], base[3])


def test_a_failed_fit_leaves_the_unit_not_done_and_assemble_names_it(tmp_path):
    train = _data()
    model = LeastSquares()
    engine = _engine(tmp_path, model, train)
    engine.run_units()
    original = model.fit

    def crash(data, train_rows, valid_rows, seed, workdir):
        raise KeyboardInterrupt

    model.fit, model.settings = crash, lambda: {"kind": "other"}
    engine = Engine(engine.run, model, train, None, engine.folds)
    with pytest.raises(KeyboardInterrupt):
        engine.run_units()
    model.fit, model.settings = original, LeastSquares().settings
    engine = Engine(engine.run, model, train, None, engine.folds)
    assert [u.name for u in engine.missing()] == ["seed0/fold0"]
    with pytest.raises(Incomplete, match="1 unit\\(s\\) not done: seed0/fold0"):
        engine.assemble()


def test_a_holdout_column_scores_only_its_held_out_rows(tmp_path):
    train = _data()
    run = Run(tmp_path / "runs", "toy", "h")
    run.path.mkdir(parents=True)
    column = np.full(30, -1)
    column[:6] = 0
    engine = Engine(run, LeastSquares(), train, None, {0: column})
    assert engine.units() == [Unit(0, 0)]
    engine.run_units()
    out = engine.assemble()
    assert out.scored.sum() == 6 and out.scored[:6].all()


def test_unit_names_parse_and_reject_other_forms():
    assert Unit.parse("seed2/fold10") == Unit(2, 10)
    with pytest.raises(ValueError, match="seed0/fold3"):
        Unit.parse("fold3")


@pytest.mark.parametrize("name", ["../x", "..", "a/b", ".hidden", "", "-rf", "x" * 200])
def test_run_names_are_plain_folder_names(name):
    with pytest.raises(ValueError, match="one folder name"):
        check_name(name)


def test_the_run_folder_is_made_only_when_opened_and_old_ones_are_refused(tmp_path):
    run = Run(tmp_path / "runs", "toy", "fresh")
    assert not (tmp_path / "runs").exists()
    with run.open():
        assert json.loads((run.path / "run.json").read_text())["format"] == 2
    old = Run(tmp_path / "runs", "toy", "old")
    (old.path / "seed0" / "fold0").mkdir(parents=True)
    with pytest.raises(DataError, match="older version of compete"):
        with old.open():
            pass
    assert not (old.path / "run.json").exists()


def test_a_folder_another_command_is_just_making_is_not_taken_for_an_old_one(tmp_path):
    run = Run(tmp_path / "runs", "toy", "racing")
    run.path.mkdir(parents=True)
    (run.path / ".lock").write_text("")
    (run.path / ".run.abc123.tmp.json").write_text("{")  # the other command's marker, half-written
    with run.open():
        assert json.loads((run.path / "run.json").read_text())["format"] == 2


def test_a_lock_held_by_another_process_names_it_and_can_be_waited_for(tmp_path):
    path = tmp_path / ".lock"
    script = textwrap.dedent(f"""
        import sys, time
        from compete.common.runs.lock import FileLock
        lock = FileLock({str(path)!r}, "run x").acquire()
        print("held", flush=True)
        sys.stdin.readline()
    """)
    holder = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(Busy, match=f"run x is in use by pid {holder.pid} on .*--wait"):
            FileLock(path, "run x").acquire()
        waited = []
        holder.stdin.write("\n")
        holder.stdin.flush()
        with FileLock(path, "run x").acquire(wait=True, on_wait=waited.append):
            assert holder.wait(timeout=30) == 0
    finally:
        holder.kill()
    with FileLock(path, "run x").acquire():  # released when its holder died
        pass
