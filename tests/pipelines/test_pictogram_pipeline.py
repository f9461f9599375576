"""The pictogram pipeline through the real CLI on the generated sample: submit, hygiene, check, bad input."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from compete.competitions.pictogram import sample_data
from compete.competitions.pictogram.classes import CLASSES
from compete.pipelines.cli import main

SMALL = dict(n_max=6, n_min=3, n_eval_per_class=1, n_exact=1, n_near=1, n_overlap=1, n_photos=1)
TINY = ["--backbone", "camp_cnn_tiny", "--image-size", "32", "--epochs", "1", "--n-splits", "2", "--batch-size", "16"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return sample_data.generate(tmp_path_factory.mktemp("pict"), seed=0, **SMALL)


@pytest.fixture
def copy(sample, tmp_path):
    return shutil.copytree(sample, tmp_path / "data")


def cli(action, data, tmp_path, *extra):
    return main(["pictogram", action, "--data", str(data), "--runs-dir", str(tmp_path / "runs"),
                 "--submissions-dir", str(tmp_path / "subs"), *extra])


def test_submit_end_to_end_writes_a_valid_submission(sample, tmp_path, capsys):
    code = cli("submit", sample, tmp_path, *TINY, "--run", "t", "--sampling", "oversample", "--loss", "focal",
               "--class-weight", "balanced", "--crop-to-box", "--id-column", "파일명", "--label-column", "분류")
    out = capsys.readouterr().out
    assert code == 0, out
    frame = pd.read_csv(tmp_path / "subs" / "pictogram" / "t.csv", dtype=str, encoding="utf-8")
    images = sorted(p.name for p in (sample / "2.Validation" / "원천데이터").iterdir())
    assert list(frame.columns) == ["파일명", "분류"] and sorted(frame["파일명"]) == images
    assert set(frame["분류"]) <= set(CLASSES)
    run = tmp_path / "runs" / "pictogram" / "t"
    scores = json.loads((run / "scores.json").read_text(encoding="utf-8"))
    assert {"macro_f1", "accuracy", "macro_f1_bias_tuned_in_sample", "macro_f1_bias_tuned_held_out",
            "per_class", "per_domain", "evaluation"} <= set(scores)
    assert scores["dropped_by_hygiene"] == 3 and len(scores["per_class"]) == len(CLASSES)
    for name in ("confusion.png", "hygiene.png", "hygiene.json", "oof.npy", "test.npy", "biases.json"):
        assert (run / name).is_file(), name
    assert "submission written and checked" in out and "bias tuning auto: out-of-fold macro-F1" in out


@pytest.mark.parametrize("mode, tuned, applied", [("auto", 0.8, False), ("auto", 0.95, True), ("on", 0.8, True),
                                                  ("off", 0.95, False)])
def test_biases_are_applied_as_the_setting_and_the_honest_score_say(mode, tuned, applied):
    from compete.pipelines.pictogram import _use_biases

    lines = []
    assert _use_biases(mode, {"macro_f1": 0.9, "macro_f1_bias_tuned_held_out": tuned}, lines.append) is applied
    assert ("does not apply" in lines[0]) is not applied


def test_unknown_bias_tuning_mode_is_refused(sample, tmp_path, capsys):
    assert cli("cv", sample, tmp_path, *TINY, "--bias-tuning", "always") == 2
    assert "Unknown bias_tuning 'always'" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


def test_hygiene_action_reports(sample, tmp_path, capsys):
    assert cli("hygiene", sample, tmp_path, "--run", "h") == 0
    report = json.loads((tmp_path / "runs" / "pictogram" / "h" / "hygiene.json").read_text(encoding="utf-8"))
    assert len(report["exact_groups"]) == 2 and len(report["near_groups"]) == 2 and len(report["photos"]) == 1
    assert report["train_test_overlap"] == {"exact": 1, "near": 1}
    assert (tmp_path / "runs" / "pictogram" / "h" / "hygiene.png").is_file()
    assert "cv would leave out 3" in capsys.readouterr().out


def test_duplicates_kept_in_training_share_a_fold(sample, tmp_path, capsys):
    assert cli("cv", sample, tmp_path, *TINY, "--run", "kept", "--no-drop-exact-duplicates",
               "--no-drop-near-duplicates", "--no-drop-photos") == 0
    assert "duplicate(s) kept in training stay in their original's fold" in capsys.readouterr().out
    folds = pd.read_csv(tmp_path / "runs" / "pictogram" / "kept" / "seed0" / "folds.csv", dtype={"id": str})
    fold_of = dict(zip(folds["id"], folds["fold"]))
    manifest = json.loads((sample / "sample_manifest.json").read_text(encoding="utf-8"))
    pairs = manifest["exact"] + manifest["near"]
    assert pairs and all(fold_of[Path(a).name] == fold_of[Path(b).name] for a, b in pairs)


def test_check_passes_on_the_sample(sample, tmp_path):
    assert cli("check", sample, tmp_path) == 0


def test_imagenet_refused_through_the_cli(sample, tmp_path, capsys):
    assert cli("cv", sample, tmp_path, "--weights", "imagenet") == 2
    assert "forbids pre-trained weights" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


def _edit_label(data, change):
    path = sorted((data / "1.Training" / "라벨링데이터").rglob("*.json"))[0]
    label = json.loads(path.read_text(encoding="utf-8"))
    text = change(label)
    path.write_text(text if isinstance(text, str) else json.dumps(label, ensure_ascii=False), encoding="utf-8")
    return path


def _box_outside(label):
    label["abstract_image"]["abs_bbox"] = "[100, 100, 500, 500]"


@pytest.mark.parametrize("change, message, action", [
    (lambda label: "{broken", "malformed JSON", "cv"),
    (lambda label: label["category"].pop("ctg_nm_level3") and None, "missing key path", "cv"),
    (lambda label: label["abstract_image"].update(abs_domain="PHOTO"), "unknown domain", "check"),
    (_box_outside, "outside", "check"),
])
def test_bad_label_files_exit_non_zero_naming_the_file(copy, tmp_path, capsys, change, message, action):
    path = _edit_label(copy, change)
    extra = ["--crop-to-box"] if action == "cv" else []
    assert cli(action, copy, tmp_path, *TINY, *extra) == 2
    err = capsys.readouterr().err
    assert message in err and path.name in err
    assert not list((tmp_path / "subs").rglob("*.csv")) if (tmp_path / "subs").exists() else True


def test_box_outside_image_stops_cv_with_crop(copy, tmp_path, capsys):
    path = _edit_label(copy, _box_outside)
    assert cli("cv", copy, tmp_path, *TINY, "--crop-to-box", "--run", "b") == 2
    err = capsys.readouterr().err
    assert "outside" in err and path.name in err
    assert not list((tmp_path / "runs").rglob("done.json"))


def test_undecodable_image_and_unknown_evaluation_class(copy, tmp_path, capsys):
    image = sorted((copy / "1.Training" / "원천데이터").rglob("*.png"))[0]
    image.write_bytes(b"\x89PNG\r\n garbage")
    assert cli("cv", copy, tmp_path, *TINY) == 2
    assert image.name in capsys.readouterr().err
    image.unlink()
    label = sorted((copy / "2.Validation" / "라벨링데이터").glob("*.json"))[0]
    data = json.loads(label.read_text(encoding="utf-8"))
    data["category"]["ctg_nm_level3"] = "고양이"
    label.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert cli("check", copy, tmp_path) == 2
    err = capsys.readouterr().err
    assert "never in training" in err and label.name in err


def test_sample_action(tmp_path):
    assert main(["pictogram", "sample", "--out", str(tmp_path / "s")]) == 0
    assert (tmp_path / "s" / "1.Training" / "라벨링데이터").is_dir()


@pytest.mark.slow
def test_demo_runs(tmp_path):
    assert main(["demo", "pictogram", "--runs-dir", str(tmp_path / "runs"), "--submissions-dir", str(tmp_path / "subs"),
                 "--epochs", "2", "--n-splits", "2"]) == 0
