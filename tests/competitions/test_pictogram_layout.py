"""The pictogram layout reader on the generated sample: Korean paths, NFD folders, evaluation with and without labels, bad input."""

import json
import os
import shutil
import unicodedata

import pytest

from compete.common.errors import DataError
from compete.competitions.pictogram import layout, sample_data
from compete.competitions.pictogram.classes import CLASSES
from compete.competitions.pictogram.format import expected, submission_format
from compete.competitions.pictogram.rules import check_weights

SMALL = dict(n_max=6, n_min=3, n_eval_per_class=1, n_exact=1, n_near=1, n_overlap=1, n_photos=1)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return sample_data.generate(tmp_path_factory.mktemp("pict"), seed=0, **SMALL)


@pytest.fixture
def copy(sample, tmp_path):
    return shutil.copytree(sample, tmp_path / "data")


def test_sample_is_imbalanced_korean_and_complete(sample):
    train = layout.read_train(sample)
    counts = {c: train.labels.count(c) for c in CLASSES}
    assert set(train.labels) == set(CLASSES) and max(counts.values()) >= 2 * min(counts.values())
    assert not train.unmatched and all(d in ("ILLUSTRATION", "PICTOGRAM", "SKETCH") for d in train.domains)
    assert all(b is not None for b in train.boxes)
    evaluation = layout.read_eval(sample, known_classes=set(train.labels))
    assert len(evaluation.ids) == len(CLASSES) + 2 and len(evaluation.labelled()) == len(evaluation.ids)


def test_same_seed_same_files(tmp_path):
    a = sample_data.generate(tmp_path / "a", seed=5, **SMALL)
    b = sample_data.generate(tmp_path / "b", seed=5, **SMALL)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def test_nfd_folder_names_on_disk(copy):
    for folder in sorted(copy.rglob("*"), key=lambda p: -len(p.parts)):
        nfd = unicodedata.normalize("NFD", folder.name)
        if nfd != folder.name:
            os.rename(folder, folder.with_name(nfd))
    train = layout.read_train(copy)
    assert len(train.paths) > 40 and all(unicodedata.is_normalized("NFC", i) for i in train.ids)
    assert set(train.labels) == set(CLASSES)


def test_evaluation_without_labels_or_absent(copy):
    shutil.rmtree(copy / "2.Validation" / "라벨링데이터")
    evaluation = layout.read_eval(copy)
    assert evaluation.labels is None and len(evaluation.ids) == len(CLASSES) + 2
    shutil.rmtree(copy / "2.Validation")
    assert layout.read_eval(copy) is None


def test_unmatched_label_files_are_reported(copy):
    victim = sorted((copy / "1.Training" / "원천데이터").rglob("*.png"))[0]
    victim.unlink()
    train = layout.read_train(copy)
    assert len(train.unmatched) == 1 and train.unmatched[0][0].stem == victim.stem


def test_class_in_evaluation_never_in_training(copy):
    label_file = sorted((copy / "2.Validation" / "라벨링데이터").glob("*.json"))[0]
    data = json.loads(label_file.read_text(encoding="utf-8"))
    data["category"]["ctg_nm_level3"] = "고양이"
    label_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    train = layout.read_train(copy)
    with pytest.raises(DataError, match="never in training") as error:
        layout.read_eval(copy, known_classes=set(train.labels))
    assert error.value.path == str(label_file)


def test_missing_folders(tmp_path):
    with pytest.raises(DataError, match="data folder not found"):
        layout.read_train(tmp_path / "nope")
    (tmp_path / "1.Training").mkdir()
    with pytest.raises(DataError, match="training label folder not found"):
        layout.read_train(tmp_path)


def test_pretrained_weights_refused_unless_overridden():
    with pytest.raises(ValueError, match="forbids pre-trained weights"):
        check_weights("imagenet")
    with pytest.raises(ValueError, match="forbids"):
        check_weights("/some/weights.h5")
    check_weights(None)
    check_weights("imagenet", allow_pretrained=True)


def test_submission_format_columns_are_settings():
    fmt = submission_format(CLASSES, "파일명", "클래스")
    assert fmt.columns == ("파일명", "클래스") and fmt.kind == "class"
    assert list(expected(["a.png"], fmt).columns) == ["파일명", "클래스"]
    with pytest.raises(ValueError):
        submission_format(CLASSES, "x", "x")


def test_a_file_name_that_is_not_utf8_is_refused_naming_its_folder(copy):
    folder = copy / "2.Validation" / "원천데이터"
    victim = sorted(folder.glob("*.png"))[0]
    os.rename(victim, os.path.join(os.fsencode(folder), b"\xff\xfe.png"))
    with pytest.raises(DataError, match="is not valid UTF-8") as error:
        layout.read_eval(copy)
    assert error.value.path == str(folder)
