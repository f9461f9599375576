"""CIFAR-10 end to end through the `compete` command: Kaggle layout, python batches, bad input, real data."""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compete.common.submission import problems
from compete.competitions.cifar10 import batches, sample_data
from compete.competitions.cifar10.classes import CLASSES
from compete.competitions.cifar10.format import FORMAT
from compete.pipelines.cli import main

TINY = ["--backbone", "tiny_cnn", "--epochs", "1", "--n-splits", "2", "--batch-size", "32", "--optimizer", "adam",
        "--learning-rate", "0.003", "--lr-schedule", "constant", "--run", "tiny"]
REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "cifar10-subset"


def _compete(data, tmp_path, *extra, action="submit"):
    return main(["cifar10", action, "--data", str(data), "--runs-dir", str(tmp_path / "runs"),
                 "--submissions-dir", str(tmp_path / "subs"), *TINY, *extra])


@pytest.fixture(scope="module")
def kaggle(tmp_path_factory):
    return sample_data.generate(tmp_path_factory.mktemp("cifar-kaggle"), n_train=100, n_test=30, seed=0)


@pytest.fixture(scope="module")
def finished(kaggle, tmp_path_factory):
    """One tiny submit on the Kaggle layout with an unreadable test image (valid header, corrupt data)."""
    tmp_path = tmp_path_factory.mktemp("cifar-run")
    data = shutil.copytree(kaggle, tmp_path / "data")
    corrupt = data / "test" / "12.png"
    corrupt.write_bytes(corrupt.read_bytes()[:60])
    sample = pd.read_csv(data / "sampleSubmission.csv", dtype=str).sort_values("id")  # lexicographic: 1, 10, 11, ...
    sample.to_csv(data / "sampleSubmission.csv", index=False)
    assert _compete(data, tmp_path) == 0
    return data, tmp_path


def test_submit_writes_a_checked_submission_in_numeric_id_order(finished):
    data, tmp_path = finished
    frame = pd.read_csv(tmp_path / "subs" / "cifar10" / "tiny.csv", dtype=str, keep_default_na=False)
    sample = pd.read_csv(data / "sampleSubmission.csv", dtype=str)
    assert list(frame.columns) == ["id", "label"] and problems(frame, sample, FORMAT) == []
    assert frame["id"].tolist() == [str(i) for i in range(1, 31)]
    assert set(frame["label"]) <= set(CLASSES)
    run = tmp_path / "runs" / "cifar10" / "tiny"
    for name in ("config.json", "oof.npy", "test.npy", "scores.json", "seed0/folds.csv"):
        assert (run / name).exists(), name
    assert np.load(run / "oof.npy").shape == (100, 10) and np.load(run / "test.npy").shape == (30, 10)


def test_corrupt_test_image_gets_the_prior_and_is_listed(finished, capsys):
    data, tmp_path = finished
    run = tmp_path / "runs" / "cifar10" / "tiny"
    scores = json.loads((run / "scores.json").read_text())
    assert scores["unreadable_test_images"] == [12]
    np.testing.assert_allclose(np.load(run / "test.npy")[11], np.full(10, 0.1), atol=1e-6)
    assert [row["fold"] for row in scores["folds"]] == [0, 1]
    assert 0 <= scores["oof_accuracy"] <= 1


def test_rerun_resumes_and_prints_the_kaggle_command(finished, capsys):
    data, tmp_path = finished
    assert _compete(data, tmp_path) == 0
    out = capsys.readouterr().out
    assert "finished earlier" in out and "12.png" in out
    assert out.strip().splitlines()[-1].startswith("kaggle competitions submit -c cifar-10 -f ")


def test_check_lists_the_unreadable_test_image(finished, capsys):
    data, tmp_path = finished
    assert _compete(data, tmp_path, action="check") == 0
    out = capsys.readouterr().out
    assert "12.png" in out and "1 test image(s) unreadable" in out


def test_python_batches_holdout_seed_ensemble_and_mixing(tmp_path, capsys):
    data = sample_data.generate_batches(tmp_path / "data", n_per_batch=12, n_test=15, seed=0)
    assert _compete(data, tmp_path, "--holdout", "0.25", "--seeds", "0,1", "--mix", "cutmix", "--image-size", "40",
                    "--augment", "pad_crop,hflip,cutout", "--label-smoothing", "0.1", "--tta", "2") == 0
    out = capsys.readouterr().out
    assert "a stratified 25% holdout" in out and "(arrays)" in out
    assert "seed #0 alone" in out and "seed #1 alone" in out and "seed ensemble OOF accuracy" in out
    scores = json.loads((tmp_path / "runs" / "cifar10" / "tiny" / "scores.json").read_text())
    assert scores["rows_scored"] == 15 and len(scores["oof_accuracy_single_seeds"]) == 2
    assert len(scores["folds"]) == 2 and "test_batch_accuracy" in scores
    run = tmp_path / "runs" / "cifar10" / "tiny"
    assert (run / "seed0" / "folds.csv").read_text() == (run / "seed1" / "folds.csv").read_text()
    frame = pd.read_csv(tmp_path / "subs" / "cifar10" / "tiny.csv", dtype=str)
    assert frame["id"].tolist() == [str(i) for i in range(1, 16)] and set(frame["label"]) <= set(CLASSES)
    assert not list((tmp_path / "data").rglob("*.png"))
    assert _compete(data, tmp_path, action="check") == 0
    assert "batches layout: 60 training images" in capsys.readouterr().out


@pytest.mark.parametrize("flag,value,message", [
    ("--mix", "mixin", "Unknown batch transform 'mixin'"),
    ("--augment", "pad_crop,twirl", "Unknown augmentation"),
    ("--lr-schedule", "linear", "Unknown lr_schedule 'linear'"),
    ("--optimizer", "rmsprop", "Unknown optimizer 'rmsprop'"),
    ("--backbone", "resnet21", "Unknown backbone 'resnet21'"),
])
def test_unknown_names_fail_before_anything_is_written(kaggle, tmp_path, capsys, flag, value, message):
    assert _compete(kaggle, tmp_path, flag, value) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "runs").exists() and not (tmp_path / "subs").exists()


def test_cv_without_test_data(kaggle, tmp_path, capsys):
    data = shutil.copytree(kaggle, tmp_path / "data")
    (data / "sampleSubmission.csv").unlink()
    shutil.rmtree(data / "test")
    assert _compete(data, tmp_path, action="cv") == 0
    assert "without test predictions" in capsys.readouterr().out
    assert not (tmp_path / "runs" / "cifar10" / "tiny" / "test.npy").exists()
    assert _compete(data, tmp_path) == 2  # submit needs the test part


def _assert_failed_cleanly(tmp_path, capsys, *expected):
    err = capsys.readouterr().err
    assert err.startswith("compete: error: ")
    for text in expected:
        assert text in err
    assert not (tmp_path / "subs").exists()
    assert not list((tmp_path / "runs").rglob("done.json")) if (tmp_path / "runs").exists() else True
    assert not list(tmp_path.rglob("*.tmp*"))


def test_corrupt_training_png_fails_before_training(kaggle, tmp_path, capsys):
    data = shutil.copytree(kaggle, tmp_path / "data")
    path = data / "train" / "33.png"
    path.write_bytes(path.read_bytes()[:80])
    assert _compete(data, tmp_path) == 2
    _assert_failed_cleanly(tmp_path, capsys, "33.png", "truncated")
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("damage,expected", [
    ("label", ["trainLabels.csv", "unknown class 'spaceship'"]),
    ("missing", ["have no image", "5.png"]),
    ("size", ["train/8.png", "image is 16x16, expected 32x32"]),
])
def test_bad_kaggle_input_exits_nonzero(kaggle, tmp_path, capsys, damage, expected):
    import cv2

    data = shutil.copytree(kaggle, tmp_path / "data")
    if damage == "label":
        frame = pd.read_csv(data / "trainLabels.csv")
        frame.loc[3, "label"] = "spaceship"
        frame.to_csv(data / "trainLabels.csv", index=False)
    elif damage == "missing":
        (data / "train" / "5.png").unlink()
    else:
        cv2.imwrite(str(data / "train" / "8.png"), np.zeros((16, 16, 3), np.uint8))
    assert _compete(data, tmp_path) == 2
    _assert_failed_cleanly(tmp_path, capsys, *expected)


def test_truncated_pickle_exits_nonzero(tmp_path, capsys):
    data = sample_data.generate_batches(tmp_path / "data", n_per_batch=4, n_test=4)
    path = data / batches.FOLDER / "data_batch_2"
    path.write_bytes(path.read_bytes()[:300])
    assert _compete(data, tmp_path) == 2
    _assert_failed_cleanly(tmp_path, capsys, "data_batch_2", "truncated")


def _real_or_skip():
    if not (REAL / "trainLabels.csv").is_file():
        pytest.skip(f"real CIFAR-10 subset not found at {REAL.resolve()} (../shared/data/cifar10-subset beside the repo)")
    return REAL


def test_learns_real_images(tmp_path, capsys):
    data = _real_or_skip()
    assert main(["cifar10", "cv", "--data", str(data), "--runs-dir", str(tmp_path / "runs"), "--limit-train", "1500",
                 "--backbone", "lenet5", "--n-splits", "2", "--epochs", "6", "--batch-size", "32",
                 "--optimizer", "adam", "--learning-rate", "0.002", "--lr-schedule", "constant",
                 "--augment", "hflip", "--tta", "2", "--run", "real"]) == 0
    scores = json.loads((tmp_path / "runs" / "cifar10" / "real" / "scores.json").read_text())
    assert scores["oof_accuracy"] > 0.25, scores  # chance is 0.10
    assert all(fold["score"] > 0.2 for fold in scores["folds"])


@pytest.mark.slow
def test_resnet20_learns_real_images(tmp_path):
    data = _real_or_skip()
    assert main(["cifar10", "cv", "--data", str(data), "--runs-dir", str(tmp_path / "runs"), "--limit-train", "2000",
                 "--n-splits", "2", "--epochs", "8", "--batch-size", "32", "--learning-rate", "0.05",
                 "--run", "real-resnet"]) == 0
    scores = json.loads((tmp_path / "runs" / "cifar10" / "real-resnet" / "scores.json").read_text())
    assert scores["oof_accuracy"] > 0.25, scores


@pytest.mark.slow
def test_demo_runs(tmp_path):
    assert main(["cifar10", "demo", "--runs-dir", str(tmp_path / "runs"),
                 "--submissions-dir", str(tmp_path / "subs")]) == 0
    assert (tmp_path / "subs" / "cifar10" / "demo.csv").exists()
