"""End to end through the `compete` command on a generated download in the real Kaggle layout."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from compete.common.submission import problems
from compete.competitions.planet.format import FORMAT
from compete.pipelines.cli import main

TINY = ["--backbone", "tiny_cnn", "--weights", "none", "--image-size", "32", "--epochs", "2", "--n-splits", "3",
        "--tta", "2", "--batch-size", "32", "--run", "tiny"]


def _compete(download, tmp_path, *extra, action="submit"):
    return main(["planet", action, "--data", str(download), "--runs-dir", str(tmp_path / "runs"),
                 "--submissions-dir", str(tmp_path / "subs"), *TINY, *extra])


@pytest.fixture(scope="module")
def finished(planet_sample, tmp_path_factory):
    """One complete tiny run, shared by the tests that inspect it."""
    tmp_path = tmp_path_factory.mktemp("planet-run")
    download = shutil.copytree(planet_sample, tmp_path / "data")
    corrupt = download / "test-jpg" / "test_3.jpg"
    corrupt.write_bytes(corrupt.read_bytes()[:300])
    assert _compete(download, tmp_path) == 0
    return download, tmp_path


def test_submit_writes_a_valid_submission_and_the_run_artefacts(finished, capsys):
    download, tmp_path = finished
    csv = tmp_path / "subs" / "planet" / "tiny.csv"
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    sample = pd.read_csv(download / "sample_submission_v2.csv", dtype=str)
    assert problems(frame, sample, FORMAT) == []
    assert frame["image_name"].tolist() == sample["image_name"].tolist()
    run = tmp_path / "runs" / "planet" / "tiny"
    for name in ("config.json", "oof.npy", "test.npy", "thresholds.json", "scores.json", "seed0/folds.csv"):
        assert (run / name).exists(), name
    for fold in range(3):
        assert {"model.keras", "oof.npy", "test.npy", "done.json"} <= {p.name for p in (run / f"seed0/fold{fold}").iterdir()}
    assert json.loads((run / "config.json").read_text())["image_size"] == 32
    assert np.load(run / "oof.npy").shape == (120, 17)


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
    test = np.load(run / "test.npy")
    labels = pd.read_csv(download / "train_v2.csv")["tags"].str.get_dummies(sep=" ")
    prior = labels.reindex(columns=FORMAT.vocabulary, fill_value=0).mean().to_numpy()
    row = pd.read_csv(download / "sample_submission_v2.csv")["image_name"].tolist().index("test_3")
    np.testing.assert_allclose(test[row], prior, rtol=1e-5)


def test_scores_are_reported_and_consistent(finished):
    _, tmp_path = finished
    scores = json.loads((tmp_path / "runs" / "planet" / "tiny" / "scores.json").read_text())
    assert 0 <= scores["f2_at_0.5"] <= 1
    assert scores["f2_per_class_thresholds"] >= scores["f2_global_threshold"] - 1e-9
    assert scores["f2_global_threshold"] >= scores["f2_at_0.5"] - 1e-9
    assert len(scores["folds"]) == 3


def test_rerun_resumes_and_retrains_only_unfinished_folds(finished, capsys):
    download, tmp_path = finished
    run = tmp_path / "runs" / "planet" / "tiny"
    (run / "seed0" / "fold1" / "done.json").unlink()
    untouched = (run / "seed0" / "fold0" / "model.keras").stat().st_mtime_ns
    capsys.readouterr()
    assert _compete(download, tmp_path, action="cv") == 0
    out = capsys.readouterr().out
    assert "seed 0 fold 0: finished earlier" in out and "seed 0 fold 2: finished earlier" in out
    assert "seed 0 fold 1: training on" in out and "seed 0 fold 0: training on" not in out
    assert (run / "seed0" / "fold0" / "model.keras").stat().st_mtime_ns == untouched


def test_changed_settings_cannot_reuse_a_run(finished, capsys):
    download, tmp_path = finished
    assert _compete(download, tmp_path, "--learning-rate", "0.1", action="cv") == 2
    assert "trained with other settings" in capsys.readouterr().err


def test_bad_download_exits_non_zero_and_writes_nothing(planet_sample, tmp_path, capsys):
    download = shutil.copytree(planet_sample, tmp_path / "data")
    (download / "train_v2.csv").write_text("image_name,tags\ntrain_0,clear primry\n")
    assert _compete(download, tmp_path) == 2
    err = capsys.readouterr().err
    assert "train_v2.csv" in err and "unknown tag 'primry'" in err
    assert not (tmp_path / "subs").exists()


def test_check_reports_corrupt_training_images(planet_sample, tmp_path, capsys):
    download = shutil.copytree(planet_sample, tmp_path / "data")
    assert main(["planet", "check", "--data", str(download)]) == 0
    image = download / "train-jpg" / "train_7.jpg"
    image.write_bytes(image.read_bytes()[:200])
    assert main(["planet", "check", "--data", str(download)]) == 2
    assert "train_7.jpg: image file is truncated" in capsys.readouterr().err


def test_console_script_lists_backbones_and_fails_cleanly(tmp_path):
    listing = subprocess.run([sys.executable, "-m", "compete.pipelines.cli", "backbones"], capture_output=True, text=True)
    assert listing.returncode == 0
    for name in ("vgg16", "resnet50", "mobilenet_v2", "small_cnn"):
        assert name in listing.stdout
    failed = subprocess.run([sys.executable, "-m", "compete.pipelines.cli", "planet", "cv", "--data", str(tmp_path / "nope")],
                            capture_output=True, text=True)
    assert failed.returncode == 2 and "nope: data folder not found" in failed.stderr
