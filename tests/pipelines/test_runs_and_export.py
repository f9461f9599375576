"""`oof.csv`, `compete runs` and `compete planet export`, through the real CLI on tiny Planet runs."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from compete.common.runs import artefacts
from compete.common.runs.engine import Assembly, Split
from compete.competitions.planet.tags import TAGS
from compete.pipelines.cli import main

pytestmark = [pytest.mark.heavy, pytest.mark.usefixtures("eager_functions")]

TINY = ["--backbone", "tiny_cnn", "--weights", "none", "--image-size", "32", "--epochs", "1", "--n-splits", "3",
        "--tta", "2", "--batch-size", "32"]
HEAVY = ("keras", "tensorflow", "jax", "torch", "pandas", "sklearn")


@pytest.fixture(scope="module")
def runs(planet_sample, tmp_path_factory):
    """Two finished tiny runs differing in learning rate (one submitted), and one with a single unit done."""
    tmp_path = tmp_path_factory.mktemp("runs-and-export")
    common = ["--data", str(planet_sample), "--runs-dir", str(tmp_path / "runs"), "--submissions-dir",
              str(tmp_path / "subs"), *TINY, "-q"]
    assert main(["planet", "submit", *common, "--run", "slow", "--learning-rate", "0.001"]) == 0
    assert main(["planet", "cv", *common, "--run", "fast", "--learning-rate", "0.01"]) == 0
    assert main(["planet", "cv", *common, "--run", "half", "--learning-rate", "0.003", "--unit", "seed0/fold0"]) == 0
    return tmp_path


def _runs(capsys, tmp_path, *extra):
    capsys.readouterr()
    assert main(["runs", *extra, "--runs-dir", str(tmp_path / "runs")]) == 0
    return capsys.readouterr().out


def _scores(tmp_path, run):
    return json.loads((tmp_path / "runs" / "planet" / run / "scores.json").read_text())


# --- oof.csv ---------------------------------------------------------------------------------


def test_oof_csv_has_one_row_per_seed_and_id_named_by_the_tags_and_equal_to_the_npz(runs):
    run = runs / "runs" / "planet" / "slow"
    frame = pd.read_csv(run / "oof.csv", dtype={"id": str})
    assert list(frame.columns) == ["id", "fold", "seed", *TAGS]
    with np.load(run / "oof.npz", allow_pickle=False) as saved:
        ids, oof_by_seed, folds = saved["ids"], saved["oof_by_seed"], saved["folds"]
    assert len(frame) == len(ids) * 1 == 120 and set(frame["seed"]) == {0}
    joined = frame.set_index("id").loc[ids]  # by id, not by position
    np.testing.assert_array_equal(joined[list(TAGS)].to_numpy(np.float32), oof_by_seed[0])
    np.testing.assert_array_equal(joined["fold"].to_numpy(), folds[0])
    saved_folds = pd.read_csv(run / "seed0" / "folds.csv", dtype={"id": str}).set_index("id")["fold"]
    np.testing.assert_array_equal(joined["fold"].to_numpy(), saved_folds.loc[ids].to_numpy())


def test_oof_csv_of_several_seeds_a_holdout_and_single_output_predictions(tmp_path):
    ids = np.array(["b", "a", "c", "d"])
    oof_by_seed = np.array([[0.1, np.nan, 0.3, 0.4], [0.5, 0.6, np.nan, 0.8]], np.float32)
    folds = {3: np.array([0, -1, 1, 1]), 7: np.array([1, 0, -1, 0])}
    train = Split(ids, ids, np.zeros(4), ids)
    artefacts.save(tmp_path, Assembly([3, 7], [], oof_by_seed, None, []), train, None, folds, prefix="m_")
    frame = pd.read_csv(tmp_path / "m_oof.csv", dtype={"id": str})
    assert list(frame.columns) == ["id", "fold", "seed", "p0"] and len(frame) == 8
    assert frame["seed"].tolist() == [3] * 4 + [7] * 4 and frame["id"].tolist() == [*ids, *ids]
    assert frame["fold"].tolist() == [0, -1, 1, 1, 1, 0, -1, 0]
    np.testing.assert_array_equal(frame["p0"].to_numpy(np.float32), oof_by_seed.reshape(-1))  # NaN: empty cells
    saved = artefacts.load_npz(tmp_path / "m_oof.npz")
    assert sorted(saved) == ["folds", "ids", "oof", "oof_by_seed", "seeds", "targets"]
    assert not (tmp_path / "m_test.npz").exists()
    artefacts.write_oof_csv(tmp_path / "named.csv", ids, np.ones((1, 4, 2)), [0], np.zeros((1, 4)), ["id", "cat"])
    assert list(pd.read_csv(tmp_path / "named.csv").columns) == ["id", "fold", "seed", "p_id", "cat"]
    assert not list(tmp_path.glob(".*.tmp*"))  # written under a temporary name, then renamed


# --- compete runs ----------------------------------------------------------------------------


def test_runs_lists_every_run_best_first_with_progress_submission_and_differences(runs, capsys):
    lines = _runs(capsys, runs, "planet").strip().splitlines()
    header = lines[0]
    for column in ("competition", "run", "metric", "score", "backbone", "size", "seeds x folds", "units", "time",
                   "submission", "differs"):
        assert column in header
    rows = {line.split()[1]: line for line in lines[1:]}
    assert sorted(rows) == ["fast", "half", "slow"]
    ranked = sorted(["slow", "fast"], key=lambda r: -_scores(runs, r)["f2_per_class_thresholds_held_out"])
    assert [line.split()[1] for line in lines[1:]] == [*ranked, "half"]  # best first, unscored last
    for run in ("slow", "fast"):
        cells = rows[run].split()
        score = _scores(runs, run)["f2_per_class_thresholds_held_out"]
        assert cells[:8] == ["planet", run, "f2_per_class_thresholds_held_out", f"{score:.4f}", "tiny_cnn", "32",
                             "1x3", "3/3"]
    assert str(runs / "subs" / "planet" / "slow.csv") in rows["slow"]
    assert rows["slow"].endswith("learning_rate=0.001") and rows["fast"].endswith("learning_rate=0.01")
    assert rows["half"].split()[3] == "-" and " 1/3 " in rows["half"] and rows["half"].endswith("learning_rate=0.003")
    start = header.index("units")
    assert {line[start:start + 3] for line in lines[1:]} == {"3/3", "1/3"}  # the columns line up


def test_runs_json_has_the_same_rows_for_scripts(runs, capsys):
    parsed = json.loads(_runs(capsys, runs, "--json"))
    table = _runs(capsys, runs).strip().splitlines()[1:]
    assert [(r["competition"], r["run"]) for r in parsed] == [tuple(line.split()[:2]) for line in table]
    by_run = {r["run"]: r for r in parsed}
    assert by_run["slow"]["score"] == _scores(runs, "slow")["f2_per_class_thresholds_held_out"]
    assert by_run["slow"]["differs"] == {"learning_rate": 0.001} and by_run["fast"]["submission"] is None
    assert (by_run["half"]["units_done"], by_run["half"]["units_total"], by_run["half"]["score"]) == (1, 3, None)
    units = [json.loads(p.read_text())["seconds"] for p in (runs / "runs/planet/fast").glob("seed0/fold*/unit.json")]
    assert by_run["fast"]["seconds"] == pytest.approx(sum(units))


def test_runs_survives_broken_files_and_folders_that_are_not_runs(runs, tmp_path, capsys):
    shutil.copytree(runs / "runs", tmp_path / "runs")
    planet = tmp_path / "runs" / "planet"
    (planet / "fast" / "config.json").write_text("{half a file")
    (planet / "slow" / "scores.json").write_bytes(b"\xff\xfe\x00")
    (planet / "not-a-run").mkdir()
    lines = _runs(capsys, tmp_path).strip().splitlines()
    rows = {line.split()[1]: line.split() for line in lines[1:]}
    assert sorted(rows) == ["fast", "half", "slow"]
    assert rows["slow"][3] == "?" and rows["fast"][4] == "?" and rows["fast"][-1] == "?"


def test_runs_refuses_an_unknown_competition_in_one_line(runs, capsys):
    assert main(["runs", "plnet", "--runs-dir", str(runs / "runs")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "did you mean 'planet'?" in err
    assert _runs(capsys, runs, "cifar10").strip() == f"no runs in {runs / 'runs' / 'cifar10'}"


@pytest.mark.parametrize("argv", [["runs", "--help"], ["planet", "export", "--help"], ["runs", "--runs-dir", "."]])
def test_runs_and_export_help_and_listing_stay_free_of_keras(argv, tmp_path):
    code = ("import sys, contextlib, io\n"
            "from compete.pipelines.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    code = main({argv!r})\n"
            f"print(repr((code, [m for m in {HEAVY!r} if m in sys.modules])))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "(0, [])"


# --- compete planet export -------------------------------------------------------------------


def _export(runs, *argv):
    return main(["planet", "export", *argv, "--runs-dir", str(runs / "runs")])


def test_export_writes_three_forms_that_predict_like_the_unit(runs, planet_sample, tmp_path, capsys):
    import keras

    from compete.common.models.classifier import Preprocess
    from compete.common.training.predict import predict_files

    out = tmp_path / "exported"
    out.mkdir()  # an empty folder is fine
    assert _export(runs, "slow", "--unit", "seed0/fold0", "--out", str(out)) == 0
    assert "exported unit seed0/fold0" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["export.json", "model.json", "model.keras", "model.weights.h5"]
    info = json.loads((out / "export.json").read_text())
    assert info["unit"] == "seed0/fold0" and info["input_shape"] == [None, 32, 32, 3]
    assert info["output_shape"] == [None, len(TAGS)]

    rebuilt = keras.models.model_from_json((out / "model.json").read_text(),
                                           custom_objects={"Preprocess": Preprocess})
    rebuilt.load_weights(out / "model.weights.h5")
    archive = keras.saving.load_model(out / "model.keras", compile=False)
    unit = runs / "runs" / "planet" / "slow" / "seed0" / "fold0"
    original = keras.saving.load_model(unit / "model.keras", compile=False)
    batch = np.random.default_rng(0).uniform(0, 255, (6, 32, 32, 3)).astype("float32")
    expected = original.predict(batch, verbose=0)
    np.testing.assert_array_equal(rebuilt.predict(batch, verbose=0), expected)
    np.testing.assert_array_equal(archive.predict(batch, verbose=0), expected)

    with np.load(unit / "valid.npz", allow_pickle=False) as saved:  # the unit's own validation predictions
        ids, pred = saved["ids"][:5], saved["pred"][:5]
    paths = [planet_sample / "train-jpg" / f"{i}.jpg" for i in ids]
    again, failed = predict_files(rebuilt, paths, image_size=32, batch_size=32, views=2)
    assert failed == []
    np.testing.assert_allclose(again, pred, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("argv, message", [
    (["nope", "--unit", "seed0/fold0"], "no run 'nope' in"),
    (["../slow", "--unit", "seed0/fold0"], "must be one folder name"),
    (["slow", "--unit", "seed0/fold9"], "no unit seed0/fold9 in run"),
    (["slow", "--unit", "seed1/fold0"], "no unit seed1/fold0 in run"),
    (["slow", "--unit", "fold0"], "unit 'fold0' must look like seed0/fold3"),
    (["half", "--unit", "seed0/fold1"], "unit seed0/fold1 of run"),
])
def test_export_refuses_in_one_line(runs, tmp_path, capsys, argv, message):
    capsys.readouterr()
    assert _export(runs, *argv, "--out", str(tmp_path / "out")) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert not (tmp_path / "out").exists()


def test_export_refuses_an_out_that_is_taken_and_competitions_without_keras_models(runs, tmp_path, capsys):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    (tmp_path / "file").write_text("mine")
    for out in ("full", "file"):
        capsys.readouterr()
        assert _export(runs, "slow", "--unit", "seed0/fold0", "--out", str(tmp_path / out)) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "exists and is not an empty folder" in err
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine" and (tmp_path / "file").read_text() == "mine"
    assert main(["imdb", "export", "r", "--unit", "seed0/fold0", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not Keras image models" in err and not (tmp_path / "x").exists()
