"""The pictogram pipeline through the real CLI on the generated sample: settings at the door, submit, resume,
hygiene, check, bad input."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compete.common.settings import SettingsError
from compete.common.training.options import TTA_VIEWS
from compete.competitions.pictogram import sample_data
from compete.competitions.pictogram.classes import CLASSES
from compete.pipelines.cli import main

pytestmark = [pytest.mark.heavy, pytest.mark.usefixtures("eager_functions")]

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


def _scores(run):
    return json.loads((run / "scores.json").read_text(encoding="utf-8"))


def _units(run):
    return sorted(run.glob("seed*/fold*/unit.json"))


def test_submit_end_to_end_writes_a_valid_submission(sample, tmp_path, log):
    code = cli("submit", sample, tmp_path, *TINY, "--run", "t", "--sampling", "oversample", "--loss", "focal",
               "--class-weight", "balanced", "--crop-to-box", "--id-column", "파일명", "--label-column", "분류")
    out = log.text
    assert code == 0, out
    frame = pd.read_csv(tmp_path / "subs" / "pictogram" / "t.csv", dtype=str, encoding="utf-8")
    images = sorted(p.name for p in (sample / "2.Validation" / "원천데이터").iterdir())
    assert list(frame.columns) == ["파일명", "분류"] and sorted(frame["파일명"]) == images
    assert set(frame["분류"]) <= set(CLASSES)
    run = tmp_path / "runs" / "pictogram" / "t"
    scores = _scores(run)
    assert {"macro_f1", "accuracy", "macro_f1_bias_tuned_in_sample", "macro_f1_bias_tuned_held_out",
            "per_class", "per_domain", "evaluation", "units"} <= set(scores)
    assert scores["dropped_by_hygiene"] == 3 and len(scores["per_class"]) == len(CLASSES)
    assert [(u["seed"], u["fold"]) for u in scores["units"]] == [(0, 0), (0, 1)]
    assert all(0 <= u["macro_f1"] <= 1 for u in scores["units"])
    for name in ("confusion.png", "hygiene.png", "hygiene.json", "oof.npz", "test.npz", "biases.json", "config.json",
                 "log.txt", "seed0/folds.csv"):
        assert (run / name).is_file(), name
    assert len(_units(run)) == 2
    assert json.loads((run / "config.json").read_text(encoding="utf-8"))["loss"] == "focal"
    assert "submission written and checked" in out and "bias tuning auto: out-of-fold macro-F1" in out
    assert "crop_to_box: training on the labelled boxes" in out
    assert "hygiene: leaving out 3 training image(s)" in (run / "log.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("mode, tuned, applied", [("auto", 0.8, False), ("auto", 0.95, True), ("on", 0.8, True),
                                                  ("off", 0.95, False)])
def test_biases_are_applied_as_the_setting_and_the_honest_score_say(mode, tuned, applied, log):
    from compete.pipelines.pictogram import _use_biases

    assert _use_biases(mode, {"macro_f1": 0.9, "macro_f1_bias_tuned_held_out": tuned}) is applied
    assert ("does not apply" in log.messages[-1]) is not applied


def _refused(capsys, tmp_path, code) -> str:
    """Exit 2, one stderr line, and neither a run nor a submission folder."""
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "runs").exists() and not (tmp_path / "subs").exists()
    return err.strip()


RULE = ("the 2022 Data Creator Camp forbids pre-trained weights; allowed: none (train from scratch); or set "
        "allow_pretrained (--allow-pretrained) to break the rule")


def _says(err: str, name: str, value: str, tail: str, source: str = "") -> None:
    """`compete: error: [SOURCE: ]NAME VALUE: TAIL`, with the value shown as given (quoted or not)."""
    prefix = f"compete: error: {source}{name} "
    assert err.startswith(prefix), err
    shown, _, rest = err.removeprefix(prefix).partition(": ")
    assert value in shown, err
    assert rest.startswith(tail), err
    assert "allowed: " in rest, err


@pytest.mark.parametrize("extra, name, value, tail", [
    (["--loss", "focl"], "--loss", "focl",
     "not allowed; allowed: one of crossentropy, focal; did you mean 'focal'?"),
    (["--sampling", "oversampel"], "--sampling", "oversampel",
     "not allowed; allowed: one of none, oversample, undersample, class_balanced; did you mean 'oversample'?"),
    (["--class-weight", "inverse"], "--class-weight", "inverse", "not allowed; allowed: one of none, balanced"),
    (["--bias-tuning", "always"], "--bias-tuning", "always", "not allowed; allowed: one of auto, on, off"),
    (["--hash-method", "md5"], "--hash-method", "md5", "not allowed; allowed: one of phash, dhash"),
    (["--weights", "imagenet"], "--weights", "imagenet", RULE),
    (["--weights", "imagenet", "--backbone", "resnet50"], "--weights", "imagenet", RULE),
    (["--near-distance", "-1"], "--near-distance", "-1", "not allowed; allowed: an integer ≥ 0 and ≤ 63"),
    (["--photo-threshold", "0"], "--photo-threshold", "0", "not allowed; allowed: a number > 0 and ≤ 100"),
    (["--bias-passes", "0"], "--bias-passes", "0", "not allowed; allowed: an integer ≥ 1 and ≤ 20"),
    (["--tta", "8"], "--tta", "8", "not allowed; allowed: 1 (the image alone) or 2 (and its horizontal flip)"),
    (["--sampling-ratio", "2"], "--sampling-ratio", "2", "used only with sampling oversample or undersample; "
                                                          "allowed: 1.0 (the default), or set sampling to oversample "
                                                          "or undersample"),
    (["--sampling", "class_balanced", "--sampling-ratio", "0.5"], "--sampling-ratio", "0.5",
     "used only with sampling oversample or undersample"),
    (["--focal-gamma", "3"], "--focal-gamma", "3", "used only with loss focal; allowed: 2.0 (the default), or set "
                                                    "loss to focal"),
    (["--loss", "focal", "--label-smoothing", "0.1"], "--label-smoothing", "0.1",
     "used only with loss crossentropy; allowed: 0.0 (the default), or set loss to crossentropy"),
    (["--mix", "mixup", "--mix-alpha", "0"], "--mix-alpha", "0", "mix mixup needs a positive alpha"),
    (["--augment", "hflip,pencil"], "--augment", "(item 'pencil')", "not allowed; allowed: a list of names from "
                                                                     "hflip, vflip"),
    (["--crop-to-box", "--box-key", ""], "--crop-to-box", "True", "there is no box to crop to: box_key is empty; "
                                                                   "allowed: false, or name the box with box_key"),
    (["--id-column", "x", "--label-column", "x"], "--label-column", "x", "the same as id_column"),
    (["--classes", "a,b,a"], "--classes", "a", "'a' named twice; allowed: distinct names"),
    (["--lr-schedule", "linear"], "--lr-schedule", "linear", "not allowed; allowed: one of plateau, cosine"),
    (["--backbone", "no_such_net"], "--backbone", "no_such_net", "unknown backbone; allowed: "),
])
def test_bad_settings_are_refused_in_one_line_before_reading_data(tmp_path, capsys, extra, name, value, tail):
    # The data folder does not exist: settings are checked first, so that is not what is reported.
    for action in ("cv", "submit"):
        err = _refused(capsys, tmp_path, cli(action, tmp_path / "no-data", tmp_path, *TINY, *extra))
        _says(err, name, value, tail)


def test_the_camp_backbones_are_known_and_the_rule_can_be_broken_knowingly(tmp_path):
    from compete.pipelines.pictogram import PictogramConfig

    assert "camp_cnn" in err_of(lambda: PictogramConfig(data="d", backbone="camp_cnnn"))
    assert PictogramConfig(data="d", backbone="camp_cnn_tiny", image_size=8).backbone == "camp_cnn_tiny"
    assert "forbids pre-trained weights" in err_of(lambda: PictogramConfig(data="d", weights="imagenet"))
    # Allowed by the override, the shared check still applies: camp_cnn has no ImageNet weights.
    assert "has no ImageNet weights" in err_of(lambda: PictogramConfig(data="d", weights="imagenet",
                                                                        allow_pretrained=True))
    allowed = PictogramConfig(data="d", weights="imagenet", allow_pretrained=True, backbone="resnet50")
    assert allowed.weights == "imagenet"
    weights = tmp_path / "w.weights.h5"
    weights.write_bytes(b"")
    assert "forbids" in err_of(lambda: PictogramConfig(data="d", weights=str(weights)))


def err_of(make) -> str:
    with pytest.raises(ValueError) as caught:
        make()
    return str(caught.value)


@pytest.mark.parametrize("text, name, value, tail", [
    ("bias_passes: true\n", "bias_passes", "True",
     "expected an integer, got a true/false value; allowed: an integer ≥ 1 and ≤ 20"),
    ("loss: focl\n", "loss", "focl", "not allowed; allowed: one of crossentropy, focal; did you mean 'focal'?"),
    ("tta: 8\n", "tta", "8", "not allowed; allowed: 1 (the image alone) or 2 (and its horizontal flip)"),
    ("weights: imagenet\n", "weights", "imagenet", RULE),
    ("sampling_ratio: 2\n", "sampling_ratio", "2", "used only with sampling oversample or undersample"),
    ("near_distance: 64\n", "near_distance", "64", "not allowed; allowed: an integer ≥ 0 and ≤ 63"),
])
def test_bad_config_files_are_refused_naming_the_file(tmp_path, capsys, text, name, value, tail):
    path = tmp_path / "settings.yaml"
    path.write_text(text, encoding="utf-8")
    err = _refused(capsys, tmp_path, cli("cv", tmp_path / "no-data", tmp_path, "--config", str(path)))
    _says(err, name, value, tail, source=f"{path}: ")


def test_a_mistyped_setting_in_a_file_is_named_with_the_near_miss(tmp_path, capsys):
    path = tmp_path / "settings.yaml"
    path.write_text("drop_photo: false\n", encoding="utf-8")
    err = _refused(capsys, tmp_path, cli("cv", tmp_path / "no-data", tmp_path, "--config", str(path)))
    assert err == f"compete: error: {path}: unknown setting 'drop_photo'; did you mean 'drop_photos'?"


def test_a_flag_overrides_the_file_and_both_are_validated_alike(tmp_path):
    from compete.common.settings import resolve
    from compete.pipelines.pictogram import PictogramConfig

    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"data": "d", "loss": "focal", "focal_gamma": 3, "sampling": "oversample",
                                "sampling_ratio": 0.5, "tta": 2, "domains": ["SKETCH"]}), encoding="utf-8")
    cfg = resolve(PictogramConfig, path, {"focal_gamma": "1.5", "classes": "a,b"}, flags={"focal_gamma", "classes"})
    assert (cfg.loss, cfg.focal_gamma, cfg.sampling_ratio, cfg.tta) == ("focal", 1.5, 0.5, 2)
    assert cfg.domains == ["SKETCH"] and cfg.classes == ["a", "b"]
    assert cfg.layout().domains == ("SKETCH",) and cfg.layout().keys.label == "category.ctg_nm_level3"
    assert PictogramConfig(data="d", domains=[]).layout().domains is None


def test_the_settings_module_imports_nothing_heavy():
    code = ("import sys, compete.pipelines.pictogram; "
            "print([m for m in ('numpy', 'pandas', 'keras', 'tensorflow', 'sklearn', 'cv2', 'albumentations', 'jax') "
            "if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_light_choices_match_the_registries_they_mirror():
    from compete.common.data.sampling import SAMPLERS
    from compete.common.hygiene.hashing import HASHES
    from compete.pipelines import pictogram

    assert pictogram.SAMPLINGS == ("none", *SAMPLERS)
    assert set(pictogram.RATIO_SAMPLINGS) <= set(SAMPLERS)
    assert pictogram.HASH_METHODS == tuple(HASHES)
    assert set(pictogram.PICTOGRAM_TTA) <= set(TTA_VIEWS)


def test_settings_that_change_no_trained_model_are_not_in_the_units_key():
    from compete.pipelines.pictogram import PictogramConfig

    base = PictogramConfig(data="d")
    for change in (dict(bias_tuning="on"), dict(bias_passes=3), dict(drop_photos=False), dict(crop_to_box=True),
                   dict(near_distance=3), dict(hash_method="dhash"), dict(stratify_domain=False),
                   dict(strict_matching=True), dict(allow_pretrained=True), dict(id_column="id"),
                   dict(label_key="a.b"), dict(classes=["x"]), dict(domains=["A"]), dict(tta=2),
                   dict(data="elsewhere"), dict(run="r"), dict(workers=2)):
        assert base.replace(**change).unit_settings() == base.unit_settings(), change
    for change in (dict(loss="focal"), dict(sampling="oversample"), dict(class_weight="balanced"), dict(epochs=3),
                   dict(mix="mixup"), dict(label_smoothing=0.1), dict(augment=["hflip", "sketch"])):
        assert base.replace(**change).unit_settings() != base.unit_settings(), change
    focal, oversample = base.replace(loss="focal"), base.replace(sampling="oversample")
    assert focal.replace(focal_gamma=3.0).unit_settings() != focal.unit_settings()
    assert oversample.replace(sampling_ratio=2.0).unit_settings() != oversample.unit_settings()
    # The knob of a step that is off is refused rather than silently ignored.
    for change in (dict(focal_gamma=3.0), dict(sampling_ratio=2.0)):
        with pytest.raises(SettingsError, match="used only with"):
            base.replace(**change)
    assert base.replace(sampling="class_balanced").unit_settings().keys() == base.unit_settings().keys()


def test_submit_without_evaluation_images_fails_before_training(copy, tmp_path, capsys):
    shutil.rmtree(copy / "2.Validation")
    err = _refused(capsys, tmp_path, cli("submit", copy, tmp_path, *TINY, "--run", "s"))
    assert "2.Validation/원천데이터: needed to write a submission but not found" in err, err
    assert cli("check", copy, tmp_path) == 0  # cv and check work without it


def test_more_folds_than_the_rarest_class_has_images_fails_before_any_run_folder(sample, tmp_path, capsys):
    err = _refused(capsys, tmp_path, cli("cv", sample, tmp_path, *TINY, "--n-splits", "4", "--run", "f"))
    assert err.startswith("compete: error: n_splits 4: the rarest class ") and "allowed: 2 to 3" in err, err


def test_a_second_cv_trains_nothing_and_leaves_every_unit_as_it_was(sample, tmp_path, log):
    assert cli("cv", sample, tmp_path, *TINY, "--run", "r") == 0
    run = tmp_path / "runs" / "pictogram" / "r"
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in _units(run)}
    models = {p: p.stat().st_mtime_ns for p in run.glob("seed*/fold*/model.keras")}
    assert len(before) == 2 and len(models) == 2
    log.clear()
    assert cli("cv", sample, tmp_path, *TINY, "--run", "r") == 0
    assert "all 2 unit(s) done earlier" in log.text
    assert "training on" not in log.text and "re-predicting" not in log.text
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in _units(run)} == before
    assert {p: p.stat().st_mtime_ns for p in run.glob("seed*/fold*/model.keras")} == models


def test_an_edited_training_label_retrains_says_why_and_changes_the_scores(copy, tmp_path, log):
    assert cli("cv", copy, tmp_path, *TINY, "--run", "e") == 0
    run = tmp_path / "runs" / "pictogram" / "e"
    before_units = {p: p.read_text(encoding="utf-8") for p in _units(run)}
    support_before = {c["class"]: c["support"] for c in _scores(run)["per_class"]}
    trained = {Path(i).stem for i in pd.read_csv(run / "seed0" / "folds.csv", dtype=str)["id"]}
    label_file = next(p for p in sorted((copy / "1.Training" / "라벨링데이터").rglob("*.json")) if p.stem in trained)
    label = json.loads(label_file.read_text(encoding="utf-8"))
    old = label["category"]["ctg_nm_level3"]
    new = next(c for c in CLASSES if c != old)
    label["category"]["ctg_nm_level3"] = new
    label_file.write_text(json.dumps(label, ensure_ascii=False), encoding="utf-8")
    log.clear()
    assert cli("cv", copy, tmp_path, *TINY, "--run", "e") == 0
    reasons = [m for m in log.messages if "unit(s) to train" in m]
    assert any("the training labels changed" in m for m in reasons), reasons
    assert "done earlier" not in log.text
    after_units = {p: p.read_text(encoding="utf-8") for p in _units(run)}
    assert after_units.keys() == before_units.keys()
    assert all(json.loads(after_units[p])["key"] != json.loads(before_units[p])["key"] for p in before_units)
    support_after = {c["class"]: c["support"] for c in _scores(run)["per_class"]}
    assert support_after == {**support_before, old: support_before[old] - 1, new: support_before[new] + 1}


def test_units_trained_one_by_one_then_assembled(sample, tmp_path, log, capsys):
    assert cli("cv", sample, tmp_path, *TINY, "--run", "u", "--unit", "seed0/fold1") == 0
    run = tmp_path / "runs" / "pictogram" / "u"
    assert [p.parent.name for p in _units(run)] == ["fold1"] and not (run / "scores.json").exists()
    assert cli("assemble", sample, tmp_path, *TINY, "--run", "u") == 3
    assert "seed0/fold0" in capsys.readouterr().err
    assert cli("cv", sample, tmp_path, *TINY, "--run", "u", "--unit", "seed0/fold0") == 0
    log.clear()
    assert cli("assemble", sample, tmp_path, *TINY, "--run", "u") == 0
    assert "training on" not in log.text and (run / "scores.json").is_file()
    assert len(_scores(run)["units"]) == 2


def test_the_default_augmentations_mixing_and_label_smoothing_reach_training(sample, tmp_path, monkeypatch):
    from compete.common.data import augment

    augmented, mixed = set(), []
    augment_one, mix_batch = augment.Augmenter.__call__, augment.BatchMixer.__call__
    monkeypatch.setattr(augment.Augmenter, "__call__",
                        lambda self, image, seed: augmented.add(self.names) or augment_one(self, image, seed))
    monkeypatch.setattr(augment.BatchMixer, "__call__",
                        lambda self, x, y, seed: mixed.append(self.name) or mix_batch(self, x, y, seed))
    extra = ["--mix", "cutmix", "--mix-alpha", "0.5", "--label-smoothing", "0.1"]
    assert cli("cv", sample, tmp_path, *TINY, "--run", "m", "--unit", "seed0/fold0", *extra) == 0
    drawings = ("hflip", "scale_shift", "color_jitter", "grayscale", "sketch")
    assert augmented == {drawings} and mixed and set(mixed) == {"cutmix"}
    [unit] = _units(tmp_path / "runs" / "pictogram" / "m")
    settings = json.loads(unit.read_text(encoding="utf-8"))["settings"]
    assert tuple(settings["augment"]) == drawings
    assert (settings["mix"], settings["mix_alpha"], settings["label_smoothing"]) == ("cutmix", 0.5, 0.1)


def test_hygiene_action_reports(sample, tmp_path, log):
    assert cli("hygiene", sample, tmp_path, "--run", "h") == 0
    report = json.loads((tmp_path / "runs" / "pictogram" / "h" / "hygiene.json").read_text(encoding="utf-8"))
    assert len(report["exact_groups"]) == 2 and len(report["near_groups"]) == 2 and len(report["photos"]) == 1
    assert report["train_test_overlap"] == {"exact": 1, "near": 1}
    assert (tmp_path / "runs" / "pictogram" / "h" / "hygiene.png").is_file()
    assert "cv would leave out 3" in log.text


def test_duplicates_kept_in_training_share_a_fold(sample, tmp_path, log):
    assert cli("cv", sample, tmp_path, *TINY, "--run", "kept", "--no-drop-exact-duplicates",
               "--no-drop-near-duplicates", "--no-drop-photos") == 0
    assert "duplicate(s) kept in training stay in their original's fold" in log.text
    folds = pd.read_csv(tmp_path / "runs" / "pictogram" / "kept" / "seed0" / "folds.csv", dtype={"id": str})
    fold_of = dict(zip(folds["id"], folds["fold"]))
    manifest = json.loads((sample / "sample_manifest.json").read_text(encoding="utf-8"))
    pairs = manifest["exact"] + manifest["near"]
    assert pairs and all(fold_of[Path(a).name] == fold_of[Path(b).name] for a, b in pairs)


def test_check_passes_on_the_sample(sample, tmp_path):
    assert cli("check", sample, tmp_path) == 0


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
    assert not (tmp_path / "runs").exists() and not (tmp_path / "subs").exists()


def test_box_outside_image_stops_cv_with_crop_before_any_run_folder(copy, tmp_path, capsys):
    path = _edit_label(copy, _box_outside)
    assert cli("cv", copy, tmp_path, *TINY, "--crop-to-box", "--run", "b") == 2
    err = capsys.readouterr().err
    assert "outside" in err and path.name in err
    assert not (tmp_path / "runs").exists()


def test_undecodable_image_and_unknown_evaluation_class(copy, tmp_path, capsys):
    image = sorted((copy / "1.Training" / "원천데이터").rglob("*.png"))[0]
    image.write_bytes(b"\x89PNG\r\n garbage")
    assert cli("cv", copy, tmp_path, *TINY) == 2
    assert image.name in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()
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
    assert main(["pictogram", "demo", "--runs-dir", str(tmp_path / "runs"), "--submissions-dir", str(tmp_path / "subs"),
                 "--epochs", "2", "--n-splits", "2"]) == 0


# --- hostile and broken downloads ---------------------------------------------------------------

_OPENED: list[str] = []
_WATCHING = [False]


def _audit(event, args):
    if _WATCHING[0] and event == "open" and isinstance(args[0], (str, bytes, Path)):
        _OPENED.append(str(args[0]))


@pytest.fixture
def opened():
    """Every file path opened while the test runs (Python's audit hook: io.open, os.open, ...)."""
    if not getattr(sys, "_pictogram_audit", False):
        sys.addaudithook(_audit)
        sys._pictogram_audit = True
    _OPENED.clear()
    _WATCHING[0] = True
    try:
        yield _OPENED
    finally:
        _WATCHING[0] = False


def _train_label(data, index=0):
    return sorted((data / "1.Training" / "라벨링데이터").rglob("*.json"))[index]


def _set_path(label_file, value):
    label = json.loads(label_file.read_text(encoding="utf-8"))
    label["abstract_image"]["abs_path"] = value
    label_file.write_text(json.dumps(label, ensure_ascii=False), encoding="utf-8")


def _outside_image(sample, tmp_path):
    """A real image planted beside the data folder, outside it."""
    image = sorted((sample / "1.Training" / "원천데이터").rglob("*.png"))[0]
    target = tmp_path / "outside.png"
    target.write_bytes(image.read_bytes())
    return target


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink", "eval-symlink"])
def test_paths_leading_outside_the_download_are_refused_and_never_read(copy, sample, tmp_path, capsys, opened, how):
    outside = _outside_image(sample, tmp_path)
    label_file = _train_label(copy)
    if how == "absolute":
        named, source = "/etc/passwd", label_file
        _set_path(label_file, named)
        outside = Path("/etc/passwd")
    elif how == "dotdot":  # relative to the image folder: 1.Training/원천데이터/../../../outside.png
        named, source = "../../../outside.png", label_file
        _set_path(label_file, named)
    elif how == "symlink":  # the image the label names is a link out of the download
        image = next(p for p in (copy / "1.Training" / "원천데이터").rglob("*") if p.stem == label_file.stem)
        image.unlink()
        image.symlink_to(outside)
        named, source = str(image), label_file
    else:
        image = sorted((copy / "2.Validation" / "원천데이터").glob("*.png"))[0]
        image.unlink()
        image.symlink_to(outside)
        named, source = str(image), image
    opened.clear()
    for action in ("check", "cv"):
        err = _refused(capsys, tmp_path, cli(action, copy, tmp_path, *TINY))
        assert err.startswith(f"compete: error: {source}: "), err
        assert repr(named)[:60] in err and "leads outside the data folder" in err, err
        assert len(err) < 500
    assert str(outside) not in opened and str(outside.resolve()) not in opened


def test_a_legit_relative_path_is_followed_inside_the_download(copy, tmp_path, opened):
    label_file = _train_label(copy)
    image = next(p for p in (copy / "1.Training" / "원천데이터").rglob("*") if p.stem == label_file.stem)
    renamed = image.with_name("renamed" + image.suffix)  # neither its name nor its stem matches the label any more
    image.rename(renamed)
    _set_path(label_file, f"../../원천데이터/{renamed.parent.name}/{renamed.name}")  # relative to the label file
    opened.clear()
    assert cli("check", copy, tmp_path) == 0
    assert str(renamed) in opened


def test_relative_paths_are_never_tried_against_the_current_folder(copy, sample, tmp_path, monkeypatch, opened):
    label_file = _train_label(copy)
    decoy = tmp_path / "cwd" / "decoy" / "x.png"
    decoy.parent.mkdir(parents=True)
    decoy.write_bytes(_outside_image(sample, tmp_path).read_bytes())
    monkeypatch.chdir(tmp_path / "cwd")
    _set_path(label_file, "decoy/x.png")  # exists from the current folder only: stale, so matched by stem
    opened.clear()
    assert cli("check", copy, tmp_path) == 0
    assert not [p for p in opened if "decoy" in p]


def _scores_of(tmp_path, run):
    return json.loads((tmp_path / "runs" / "pictogram" / run / "scores.json").read_text(encoding="utf-8"))


def test_unreadable_evaluation_images_get_the_fallback_and_are_listed(copy, tmp_path, log):
    images = sorted((copy / "2.Validation" / "원천데이터").glob("*.png"))
    corrupt, missing, deleted = images[0], images[1], images[2]
    corrupt.write_bytes(corrupt.read_bytes()[:200])  # truncated PNG
    missing.unlink()
    missing.symlink_to(copy / "2.Validation" / "원천데이터" / "no-such-file.png")  # listed, but nothing to read
    deleted.unlink()  # its label file stays: no image, so no row, and a warning says so
    ids = sorted(p.name for p in (copy / "2.Validation" / "원천데이터").iterdir())
    assert cli("check", copy, tmp_path) == 0
    assert f"evaluation image {corrupt}: image file is truncated" in log.text
    assert f"evaluation image {missing}: image file is missing" in log.text
    assert "2 evaluation image(s) unreadable: they get the training prior" in log.text
    log.clear()
    code = cli("submit", copy, tmp_path, *TINY, "--run", "bad-eval", "--crop-to-box", "--no-drop-exact-duplicates",
               "--no-drop-near-duplicates", "--no-drop-photos")  # hygiene off: its scan still must not refuse
    assert code == 0, log.text
    frame = pd.read_csv(tmp_path / "subs" / "pictogram" / "bad-eval.csv", dtype=str, encoding="utf-8")
    assert sorted(frame["file_name"]) == ids and frame["class_name"].notna().all()
    assert set(frame["class_name"]) <= set(CLASSES)
    warnings = [r.getMessage() for r in log.records if r.levelname == "WARNING"]
    assert any("2 evaluation image(s) could not be read and were given the training prior" in w
               and corrupt.name in w and missing.name in w for w in warnings), warnings
    assert any("evaluation label file(s) have no image" in w and deleted.stem in w for w in warnings), warnings
    scores = _scores_of(tmp_path, "bad-eval")
    assert sorted(scores["unreadable_test_images"]) == sorted([corrupt.name, missing.name])
    run = tmp_path / "runs" / "pictogram" / "bad-eval"
    report = json.loads((run / "hygiene.json").read_text(encoding="utf-8"))
    assert sorted(Path(u["file"]).name for u in report["unreadable"]) == sorted([corrupt.name, missing.name])
    test = np.load(run / "test.npz")
    assert sorted(test["ids"][test["failed"]].tolist()) == sorted([corrupt.name, missing.name])


def test_unreadable_training_images_are_refused_naming_them_and_deleting_them_leaves_the_label_out(
        copy, tmp_path, capsys, log):
    images = sorted((copy / "1.Training" / "원천데이터").rglob("*.png"))
    images[0].write_bytes(b"")
    images[1].write_bytes(images[1].read_bytes()[:100])
    for action in ("check", "cv", "hygiene"):
        err = _refused(capsys, tmp_path, cli(action, copy, tmp_path, *TINY))
        assert err.startswith(f"compete: error: {images[0]}: image file is empty; 2 training image(s) unreadable"), err
        assert images[1].name in err and "replace or delete them" in err
    images[0].unlink()
    images[1].unlink()
    log.clear()
    assert cli("check", copy, tmp_path) == 0
    assert "2 training label file(s) have no image: left out" in log.text
    assert images[0].stem in log.text and images[1].stem in log.text


def test_training_images_without_a_label_file_are_said_to_be_left_out(copy, tmp_path, log):
    label_file = _train_label(copy, 3)
    label_file.unlink()
    assert cli("check", copy, tmp_path) == 0
    assert "1 training image(s) have no label file: left out" in log.text and label_file.stem in log.text


def test_check_counts_the_images_that_carry_transparency(copy, tmp_path, log):
    import cv2

    planted = sorted((copy / "1.Training" / "원천데이터").rglob("*.png"))[:2] + \
        sorted((copy / "2.Validation" / "원천데이터").glob("*.png"))[:1]
    for path in planted:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        alpha = np.full(image.shape[:2], 255, np.uint8)
        alpha[:4] = 0  # a transparent band along the top
        cv2.imwrite(str(path), np.dstack([image, alpha]))
    assert cli("check", copy, tmp_path) == 0
    assert "3 image(s) carry transparency (composited on white): 2 training, 1 evaluation" in log.text
    log.clear()
    assert cli("check", copy, tmp_path, "--transparent-background", "black") == 0
    assert "3 image(s) carry transparency (composited on black)" in log.text


@pytest.mark.parametrize("where", ["label", "domain", "box"])
def test_a_megabyte_value_gives_a_short_one_line_message(copy, tmp_path, capsys, where):
    def change(label):
        huge = "가" * (1 << 20)
        if where == "label":
            label["category"]["ctg_nm_level3"] = huge
        elif where == "domain":
            label["abstract_image"]["abs_domain"] = huge
        else:
            label["abstract_image"]["abs_bbox"] = huge

    path = _edit_label(copy, change)
    err = _refused(capsys, tmp_path, cli("check", copy, tmp_path))
    assert path.name in err and len(err) < 300, (len(err), err[:400])


def test_a_class_the_settings_do_not_name_is_refused_briefly(copy, tmp_path, capsys):
    err = _refused(capsys, tmp_path, cli("check", copy, tmp_path, "--classes", ",".join(CLASSES[1:])))
    assert f"class {CLASSES[0]!r} is not one of the 19 classes the settings name" in err and len(err) < 500, err
