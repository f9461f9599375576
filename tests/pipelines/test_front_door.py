"""The front door, through the real CLI: instant help, settings refused at the door, fail fast, quiet, -q/-v, log.txt."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from compete.pipelines.cli import main

pytestmark = [pytest.mark.heavy, pytest.mark.usefixtures("eager_functions")]

TINY = ["--backbone", "tiny_cnn", "--weights", "none", "--image-size", "32", "--epochs", "1", "--n-splits", "2",
        "--tta", "2", "--batch-size", "32", "--run", "tiny"]
HEAVY = ("keras", "tensorflow", "jax", "torch", "pandas", "sklearn", "cv2", "albumentations")


def _planet(download, tmp_path, *extra, action="cv"):
    return ["planet", action, "--data", str(download), "--runs-dir", str(tmp_path / "runs"),
            "--submissions-dir", str(tmp_path / "subs"), *extra]


def _run(argv):
    """The console command in its own process, without the test suite's TF_CPP_MIN_LOG_LEVEL."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-m", "compete.pipelines.cli", *argv], capture_output=True, text=True,
                          env=env, timeout=600)


def _imports_of_help(argv) -> tuple[str, list]:
    code = ("import sys, contextlib, io\n"
            "from compete.pipelines.cli import main\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            f"    code = main({argv!r})\n"
            f"print(repr((code, out.getvalue(), [m for m in {HEAVY!r} if m in sys.modules])))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    code, text, heavy = eval(done.stdout.strip().splitlines()[-1])  # our own subprocess's repr, not a data file
    assert code == 0
    return text, heavy


@pytest.mark.parametrize("argv", [["--help"], ["planet", "cv", "--help"], ["imdb", "submit", "--help"],
                                  ["pictogram", "cv", "--help"], ["cifar10", "check", "--help"]])
def test_help_imports_neither_keras_nor_tensorflow(argv):
    text, heavy = _imports_of_help(argv)
    assert heavy == []
    assert "usage: compete" in text


def test_help_is_grouped_with_descriptions_allowed_values_and_defaults():
    text, _ = _imports_of_help(["planet", "cv", "--help"])
    flat = " ".join(text.split())
    for group in ("command:", "data settings:", "model settings:", "training settings:", "cross-validation settings:",
                  "prediction settings:", "output settings:"):
        assert group in text
    assert "--data DIR the competition's download folder [a folder; required]" in flat
    assert "--fine-tune {head,partial,full}" in flat
    assert "--tta {1,2,4,8} test-time augmentation" in flat and "default: 8]" in flat
    assert "-q, --quiet" in flat and "-v, --verbose" in flat


def _refused(capsys, tmp_path, argv):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "runs").exists() and not (tmp_path / "subs").exists()
    return err.strip()


@pytest.mark.parametrize("extra, expected", [
    (["--fine-tune", "partal"], "--fine-tune 'partal': not allowed; allowed: one of head, partial, full; "
                                "did you mean 'partial'?"),
    (["--lr-schedule", "cosin"], "--lr-schedule 'cosin': not allowed; allowed: one of plateau, cosine, constant, "
                                 "step, onecycle; did you mean 'cosine'?"),
    (["--epochs", "0"], "--epochs '0': not allowed; allowed: an integer ≥ 1"),
    (["--epochs", "-3"], "--epochs '-3': not allowed; allowed: an integer ≥ 1"),
    (["--learning-rate", "-1"], "--learning-rate '-1': not allowed; allowed: a number > 0 and ≤ 10"),
    (["--limit-train", "-5"], "--limit-train '-5': not allowed; allowed: an integer ≥ 0"),
    (["--batch-size", "0"], "--batch-size '0': not allowed; allowed: an integer ≥ 1 and ≤ 65536"),
    (["--tta", "0"], "--tta '0': not allowed; allowed: one of 1, 2, 4, 8"),
    (["--image-size", "16", "--backbone", "resnet50"], "--image-size '16': too small for backbone resnet50; "
                                                       "allowed: at least 32"),
    (["--run", "../../x"], "--run '../../x': not one plain folder name; allowed: one folder name"),
])
def test_bad_flags_are_refused_at_the_door(planet_sample, tmp_path, capsys, extra, expected):
    err = _refused(capsys, tmp_path, _planet(planet_sample, tmp_path, *TINY, *extra))
    assert err.startswith(f"compete: error: {expected}"), err


@pytest.mark.parametrize("text, expected", [
    ("seeds: 5\n", "seeds 5: expected a list such as [0, 1, 2] in a file, or 0,1,2 as a flag"),
    ("epochs: 1.9\n", "epochs 1.9: should be a valid integer, got a number with a fractional part; "
                      "allowed: an integer ≥ 1"),
    ("epochs: true\n", "epochs True: expected an integer, got a true/false value; allowed: an integer ≥ 1"),
    ("lerning_rate: 0.1\n", "unknown setting 'lerning_rate'; did you mean 'learning_rate'?"),
])
def test_bad_config_files_are_refused_naming_the_file(planet_sample, tmp_path, capsys, text, expected):
    path = tmp_path / "settings.yaml"
    path.write_text(text)
    err = _refused(capsys, tmp_path, _planet(planet_sample, tmp_path, "--config", str(path)))
    assert err.startswith(f"compete: error: {path}: {expected}"), err


def test_a_mistyped_flag_is_one_line_with_the_near_miss(planet_sample, tmp_path, capsys):
    err = _refused(capsys, tmp_path, _planet(planet_sample, tmp_path, "--lerning-rate", "0.1"))
    assert err == ("compete: error: compete planet cv: unknown option --lerning-rate; did you mean --learning-rate? "
                   "(see compete planet cv --help)")
    assert "did you mean" not in _refused(capsys, tmp_path, _planet(planet_sample, tmp_path, "--zzzzzz"))


def test_data_is_required(tmp_path, capsys):
    err = _refused(capsys, tmp_path, ["planet", "cv", "--runs-dir", str(tmp_path / "runs"), *TINY])
    assert err == "compete: error: --data is required: the competition's download folder" or \
        err == "compete: error: data is required: the competition's download folder"


def test_submit_without_test_data_fails_before_training(planet_sample, tmp_path, capsys):
    download = shutil.copytree(planet_sample, tmp_path / "data")
    (download / "sample_submission_v2.csv").unlink()
    err = _refused(capsys, tmp_path, _planet(download, tmp_path, *TINY, action="submit"))
    assert "sample_submission_v2.csv: needed to write a submission but not found" in err


def test_imagenet_weights_out_of_reach_are_one_line_with_both_ways_out(planet_sample, tmp_path, capsys,
                                                                        monkeypatch):
    import urllib.error

    from keras.src.backend import config as keras_config
    from keras.src.utils import file_utils

    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(file_utils, "urlretrieve", offline)
    monkeypatch.setattr(keras_config, "keras_home", lambda: str(tmp_path / "keras-home"))
    err = _refused(capsys, tmp_path, _planet(planet_sample, tmp_path, *TINY, "--backbone", "mobilenet_v2",
                                             "--weights", "imagenet"))
    assert "ImageNet weights for backbone 'mobilenet_v2' could not be loaded, a network or cache problem" in err
    assert "--weights PATH" in err and "--weights none" in err and ".keras" in err


@pytest.fixture(scope="module")
def quiet_run(planet_sample, tmp_path_factory):
    """One tiny `submit -q` in its own process, on a marked built-in sample."""
    tmp_path = tmp_path_factory.mktemp("quiet")
    download = shutil.copytree(planet_sample, tmp_path / "data")
    (download / ".compete-sample").write_text("generated\n")
    done = _run(_planet(download, tmp_path, *TINY, "-q", action="submit"))
    return done, tmp_path


def test_quiet_prints_only_the_result_and_nothing_from_tensorflow(quiet_run):
    done, tmp_path = quiet_run
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # no TensorFlow, absl or CUDA notices
    lines = done.stdout.strip().splitlines()
    assert any(line.startswith("submission written and checked:") for line in lines), lines
    assert any(line.startswith("CV mean F2") for line in lines)
    assert not any("training on" in line or "epoch" in line.lower() for line in lines), lines
    assert not any(line.startswith("kaggle competitions submit") for line in lines)  # the built-in sample


def test_every_run_keeps_its_log_with_progress_lines(quiet_run):
    _, tmp_path = quiet_run
    log = (tmp_path / "runs" / "planet" / "tiny" / "log.txt").read_text()
    assert "unit 1/2 (seed 0, fold 0): training on" in log
    assert "unit 2/2 (seed 0, fold 1) done · elapsed" in log and "· ETA" in log
    assert "RESULT  CV mean F2" in log
    assert json.loads((tmp_path / "runs" / "planet" / "tiny" / "config.json").read_text())["epochs"] == 1


def test_real_data_gets_the_upload_line_and_the_default_shows_progress(planet_sample, tmp_path, capsys):
    download = shutil.copytree(planet_sample, tmp_path / "data")  # no sample marker: treated as a real download
    assert main(_planet(download, tmp_path, *TINY, action="submit")) == 0
    out = capsys.readouterr().out
    assert "unit 2/2 (seed 0, fold 1) done · elapsed" in out
    assert out.strip().splitlines()[-1].startswith("kaggle competitions submit -c planet-understanding-the-amazon")


def test_check_is_quiet_on_a_cpu_only_machine(planet_sample):
    done = _run(["planet", "check", "--data", str(planet_sample), "--backbone", "tiny_cnn", "--weights", "none"])
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "ok: 120 training and 30 test images decode" in done.stdout


def test_verbose_adds_the_resolved_settings_and_quiet_hides_progress(planet_sample, capsys):
    check = ["planet", "check", "--data", str(planet_sample), "--backbone", "tiny_cnn", "--weights", "none"]
    assert main([*check, "-v"]) == 0
    out = capsys.readouterr().out
    assert "settings: {'data': " in out and "decoding every image" in out
    assert main([*check, "-q"]) == 0
    out = capsys.readouterr().out
    assert "decoding every image" not in out and out.strip().startswith("ok: 120 training and 30 test images")


def test_check_counts_images_with_transparency(planet_sample, tmp_path, capsys):
    import cv2
    import numpy as np

    download = shutil.copytree(planet_sample, tmp_path / "data")
    icon = np.zeros((64, 64, 4), np.uint8)  # transparent all over: decodes to white, not black
    ok, png = cv2.imencode(".png", icon)
    (download / "test-jpg" / "test_0.jpg").write_bytes(png.tobytes())
    assert main(["planet", "check", "--data", str(download), "--backbone", "tiny_cnn", "--weights", "none"]) == 0
    assert "; 1 carry transparency (composited on white)" in capsys.readouterr().out
