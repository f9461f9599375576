"""End to end through the `compete` command on a generated download in the real Kaggle layout."""

import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from compete.common.evaluation import thresholds
from compete.common.submission import problems
from compete.competitions.planet.format import FORMAT
from compete.competitions.planet.rules import weather_forced
from compete.competitions.planet.tags import TAGS
from compete.pipelines.cli import main

pytestmark = [pytest.mark.heavy, pytest.mark.usefixtures("eager_functions")]

TINY = ["--backbone", "tiny_cnn", "--weights", "none", "--image-size", "32", "--epochs", "1", "--n-splits", "3",
        "--tta", "2", "--batch-size", "32", "--run", "tiny"]


def _args(download, tmp_path, *extra, action="submit"):
    return ["planet", action, "--data", str(download), "--runs-dir", str(tmp_path / "runs"),
            "--submissions-dir", str(tmp_path / "subs"), *TINY, *extra]


def _compete(download, tmp_path, *extra, action="submit"):
    return main(_args(download, tmp_path, *extra, action=action))


def _cli(download, tmp_path, *extra, action="cv"):
    """The same command in its own process (the console entry point)."""
    return subprocess.Popen([sys.executable, "-m", "compete.pipelines.cli", *_args(download, tmp_path, *extra,
                                                                                   action=action)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})


@pytest.fixture(scope="module")
def finished(planet_sample, tmp_path_factory):
    """One complete tiny run, shared by the tests that inspect it."""
    tmp_path = tmp_path_factory.mktemp("planet-run")
    download = shutil.copytree(planet_sample, tmp_path / "data")
    corrupt = download / "test-jpg" / "test_3.jpg"
    corrupt.write_bytes(corrupt.read_bytes()[:300])
    assert _compete(download, tmp_path) == 0
    return download, tmp_path


@pytest.fixture
def copy_of_finished(finished, tmp_path):
    """The finished download and its runs folder, copied, for tests that change them."""
    download, source = finished
    shutil.copytree(download, tmp_path / "data")
    shutil.copytree(source / "runs", tmp_path / "runs")
    return tmp_path / "data", tmp_path


def _unit_stamps(run):
    return {p.parent.name: p.stat().st_mtime_ns for p in sorted(run.glob("seed0/fold*/unit.json"))}


def _load(path):
    with np.load(path, allow_pickle=False) as saved:
        return {k: saved[k] for k in saved.files}


def test_submit_writes_a_valid_submission_and_the_run_artefacts(finished):
    download, tmp_path = finished
    csv = tmp_path / "subs" / "planet" / "tiny.csv"
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    sample = pd.read_csv(download / "sample_submission_v2.csv", dtype=str)
    assert problems(frame, sample, FORMAT) == []
    assert frame["image_name"].tolist() == sample["image_name"].tolist()
    run = tmp_path / "runs" / "planet" / "tiny"
    for name in ("run.json", "log.txt", "config.json", "oof.npz", "test.npz", "thresholds.json", "scores.json",
                 "seed0/folds.csv"):
        assert (run / name).exists(), name
    for fold in range(3):
        files = {p.name for p in (run / f"seed0/fold{fold}").iterdir()}
        assert {"model.keras", "valid.npz", "test.npz", "unit.json", "history_full.csv"} <= files
    assert json.loads((run / "config.json").read_text())["image_size"] == 32
    oof = _load(run / "oof.npz")
    assert oof["oof"].shape == (120, 17) and sorted(oof["ids"]) == sorted(f"train_{i}" for i in range(120))
    assert "unit 3/3 (seed 0, fold 2) done" in (run / "log.txt").read_text()


def test_every_prediction_obeys_the_weather_rule(finished):
    _, tmp_path = finished
    frame = pd.read_csv(tmp_path / "subs" / "planet" / "tiny.csv", dtype=str)
    for tags in frame["tags"].str.split():
        weather = [t for t in tags if t in ("clear", "partly_cloudy", "haze", "cloudy")]
        assert len(weather) == 1
        assert tags == ["cloudy"] or "cloudy" not in tags


def test_corrupt_test_image_gets_the_prior_and_is_listed(finished):
    download, tmp_path = finished
    run = tmp_path / "runs" / "planet" / "tiny"
    scores = json.loads((run / "scores.json").read_text())
    assert scores["unreadable_test_images"] == ["test_3"]
    test = _load(run / "test.npz")
    labels = pd.read_csv(download / "train_v2.csv")["tags"].str.get_dummies(sep=" ")
    prior = labels.reindex(columns=FORMAT.vocabulary, fill_value=0).mean().to_numpy()
    row = test["ids"].tolist().index("test_3")
    np.testing.assert_allclose(test["pred"][row], prior, rtol=1e-5)
    assert test["failed"].sum() == 1 and test["failed"][row]


def test_scores_are_reported_and_consistent(finished):
    _, tmp_path = finished
    scores = json.loads((tmp_path / "runs" / "planet" / "tiny" / "scores.json").read_text())
    assert 0 <= scores["f2_at_0.5"] <= 1
    assert scores["f2_per_class_thresholds"] >= scores["f2_global_threshold"] - 1e-9
    assert scores["f2_global_threshold"] >= scores["f2_at_0.5"] - 1e-9
    assert [(u["seed"], u["fold"]) for u in scores["units"]] == [(0, 0), (0, 1), (0, 2)]


def test_a_second_cv_trains_nothing(finished, capsys):
    download, tmp_path = finished
    run = tmp_path / "runs" / "planet" / "tiny"
    before = _unit_stamps(run)
    capsys.readouterr()
    assert _compete(download, tmp_path, action="cv") == 0
    assert "all 3 unit(s) done earlier" in capsys.readouterr().out
    assert _unit_stamps(run) == before


def test_rerun_trains_only_the_unit_that_is_not_done(copy_of_finished, capsys):
    download, tmp_path = copy_of_finished
    run = tmp_path / "runs" / "planet" / "tiny"
    (run / "seed0" / "fold1" / "unit.json").unlink()
    untouched = (run / "seed0" / "fold0" / "model.keras").stat().st_mtime_ns
    capsys.readouterr()
    assert _compete(download, tmp_path, action="cv") == 0
    out = capsys.readouterr().out
    assert "1 of 3 unit(s) to train (not trained yet): seed0/fold1" in out
    assert "(seed 0, fold 1): training on" in out and "(seed 0, fold 0): training on" not in out
    assert (run / "seed0" / "fold0" / "model.keras").stat().st_mtime_ns == untouched


def test_reordered_sample_submission_keeps_every_prediction_on_its_own_id(copy_of_finished, capsys):
    download, tmp_path = copy_of_finished
    sample_path = download / "sample_submission_v2.csv"
    sample = pd.read_csv(sample_path, dtype=str)
    sample.iloc[::-1].to_csv(sample_path, index=False)
    capsys.readouterr()
    assert _compete(download, tmp_path) == 0
    assert "training on" not in capsys.readouterr().out
    run = tmp_path / "runs" / "planet" / "tiny"
    test = _load(run / "test.npz")
    tuned = np.array([json.loads((run / "thresholds.json").read_text())[t] for t in TAGS])
    decided = thresholds.apply(test["pred"], tuned, weather_forced(test["pred"]))
    expected = {i: " ".join(t for t, on in zip(TAGS, row) if on) for i, row in zip(test["ids"], decided)}
    frame = pd.read_csv(tmp_path / "subs" / "planet" / "tiny.csv", dtype=str)
    assert frame["image_name"].tolist() == sample["image_name"].tolist()[::-1]
    assert {i: set(t.split()) for i, t in zip(frame["image_name"], frame["tags"])} == \
        {i: set(t.split()) for i, t in expected.items()}


def test_new_tta_re_predicts_from_the_saved_models_and_config_says_so(copy_of_finished, capsys):
    download, tmp_path = copy_of_finished
    run = tmp_path / "runs" / "planet" / "tiny"
    before = _unit_stamps(run)
    capsys.readouterr()
    assert _compete(download, tmp_path, "--tta", "8") == 0
    out = capsys.readouterr().out
    assert "training on" not in out and "re-predicting its 40 valid rows" in out and "test rows" in out
    assert _unit_stamps(run) == before
    assert json.loads((run / "config.json").read_text())["tta"] == 8
    assert json.loads(str(_load(run / "seed0" / "fold0" / "test.npz")["settings"]))["tta"] == 8


def test_an_edited_training_label_retrains_and_says_why(copy_of_finished, capsys):
    download, tmp_path = copy_of_finished
    labels = pd.read_csv(download / "train_v2.csv", dtype=str)
    labels.loc[5, "tags"] = "cloudy" if labels.loc[5, "tags"] != "cloudy" else "clear primary"
    labels.to_csv(download / "train_v2.csv", index=False)
    capsys.readouterr()
    assert _compete(download, tmp_path, action="cv") == 0
    out = capsys.readouterr().out
    assert "2 of 3 unit(s) to train (the training labels changed)" in out
    assert "1 of 3 unit(s) to train (the validation labels changed)" in out  # early stopping looks at them
    assert out.count("): training on") == 3


def test_a_removed_training_image_makes_new_folds_and_retrains(copy_of_finished, capsys):
    download, tmp_path = copy_of_finished
    labels = pd.read_csv(download / "train_v2.csv", dtype=str)
    labels[labels["image_name"] != "train_9"].to_csv(download / "train_v2.csv", index=False)
    (download / "train-jpg" / "train_9.jpg").unlink()
    capsys.readouterr()
    assert _compete(download, tmp_path, action="cv") == 0
    out = capsys.readouterr().out
    assert "0 added, 1 removed" in out and "folds are made anew" in out
    assert "unit(s) to train (its rows changed: 80 -> 79 training rows" in out


def test_assemble_names_the_missing_units(copy_of_finished, capsys):
    download, tmp_path = copy_of_finished
    (tmp_path / "runs" / "planet" / "tiny" / "seed0" / "fold2" / "unit.json").unlink()
    capsys.readouterr()
    assert _compete(download, tmp_path, action="assemble") == 3
    err = capsys.readouterr().err
    assert "1 unit(s) not done: seed0/fold2" in err and "--unit" in err


def test_two_processes_share_one_run_through_units_then_assemble(planet_sample, tmp_path, capsys):
    download = shutil.copytree(planet_sample, tmp_path / "data")
    first = _cli(download, tmp_path, "--unit", "seed0/fold0")
    second = _cli(download, tmp_path, "--unit", "seed0/fold1,seed0/fold2")
    outputs = []
    for process in (first, second):
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        outputs.append(out)
    assert "(seed 0, fold 0): training on" in outputs[0] and "fold 1" not in outputs[0]
    assert "(seed 0, fold 1): training on" in outputs[1] and "(seed 0, fold 2): training on" in outputs[1]
    run = tmp_path / "runs" / "planet" / "tiny"
    assert len(list(run.glob("seed0/fold*/unit.json"))) == 3
    assert not (run / "scores.json").exists()
    capsys.readouterr()
    assert _compete(download, tmp_path, action="assemble") == 0
    assert "training on" not in capsys.readouterr().out
    assert json.loads((run / "scores.json").read_text())["f2_at_0.5"] >= 0


def test_a_second_command_on_a_busy_run_is_refused_or_waits(planet_sample, tmp_path, capsys):
    download = shutil.copytree(planet_sample, tmp_path / "data")
    two_folds = ("--n-splits", "2")  # overrides TINY's 3: two trained runs, so the shortest
    holder = _cli(download, tmp_path, "--learning-rate", "0.01", *two_folds)
    lock = tmp_path / "runs" / "planet" / "tiny" / ".lock"
    deadline = time.time() + 120
    while not (lock.exists() and f'"pid": {holder.pid}' in lock.read_text()):
        assert holder.poll() is None and time.time() < deadline, holder.stderr.read()
        time.sleep(0.2)
    capsys.readouterr()
    assert _compete(download, tmp_path, "--learning-rate", "0.1", *two_folds, action="cv") == 2
    err = capsys.readouterr().err
    assert f"is in use by pid {holder.pid}" in err and "--wait" in err and len(err.strip().splitlines()) == 1
    assert _compete(download, tmp_path, "--learning-rate", "0.1", *two_folds, "--wait", action="cv") == 0
    assert holder.wait(timeout=300) == 0
    out = capsys.readouterr().out
    assert "waiting for pid" in out and "settings changed: learning_rate 0.01 -> 0.1" in out
    run = tmp_path / "runs" / "planet" / "tiny"
    assert json.loads((run / "config.json").read_text())["learning_rate"] == 0.1
    assert {json.loads(p.read_text())["settings"]["learning_rate"] for p in run.glob("seed0/fold*/unit.json")} == {0.1}


def test_run_names_stay_inside_the_runs_folder(planet_sample, tmp_path, capsys):
    assert main(["planet", "cv", "--data", str(planet_sample), "--runs-dir", str(tmp_path / "runs"),
                 *TINY[:-2], "--run", "../../x"]) == 2
    assert "not one plain folder name" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_bad_download_exits_non_zero_and_writes_nothing(planet_sample, tmp_path, capsys):
    download = shutil.copytree(planet_sample, tmp_path / "data")
    (download / "train_v2.csv").write_text("image_name,tags\ntrain_0,clear primry\n")
    assert _compete(download, tmp_path) == 2
    err = capsys.readouterr().err
    assert "train_v2.csv" in err and "unknown tag 'primry'" in err
    assert not (tmp_path / "subs").exists() and not (tmp_path / "runs").exists()


def test_unwritable_runs_folder_is_one_line_naming_the_path(planet_sample, tmp_path, capsys):
    (tmp_path / "blocker").write_text("a file where the runs folder should be\n")
    assert main(["planet", "cv", "--data", str(planet_sample), "--runs-dir", str(tmp_path / "blocker" / "runs"),
                 *TINY]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "blocker" in err and "Not a directory" in err


def test_an_old_run_folder_is_refused_in_one_line(planet_sample, tmp_path, capsys):
    old = tmp_path / "runs" / "planet" / "tiny" / "seed0" / "fold0"
    old.mkdir(parents=True)
    (old / "done.json").write_text("{}")
    assert _compete(planet_sample, tmp_path, action="cv") == 2
    assert "older version of compete" in capsys.readouterr().err


def test_check_reports_corrupt_training_images(planet_sample, tmp_path, capsys):
    download = shutil.copytree(planet_sample, tmp_path / "data")
    assert main(["planet", "check", "--data", str(download)]) == 0
    image = download / "train-jpg" / "train_7.jpg"
    image.write_bytes(image.read_bytes()[:200])
    assert main(["planet", "check", "--data", str(download)]) == 2
    assert "train_7.jpg: image file is truncated" in capsys.readouterr().err


def test_console_script_lists_backbones_and_fails_cleanly(tmp_path):
    listing = subprocess.run([sys.executable, "-m", "compete.pipelines.cli", "backbones"], capture_output=True,
                             text=True)
    assert listing.returncode == 0
    for name in ("vgg16", "resnet50", "mobilenet_v2", "small_cnn"):
        assert name in listing.stdout
    failed = subprocess.run([sys.executable, "-m", "compete.pipelines.cli", "planet", "cv", "--data",
                             str(tmp_path / "nope")], capture_output=True, text=True)
    assert failed.returncode == 2 and "nope: data folder not found" in failed.stderr
