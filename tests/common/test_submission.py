import pandas as pd
import pytest

from compete.common import submission
from compete.common.errors import DataError

FMT = submission.SubmissionFormat(columns=("image_name", "tags"), kind="tags", vocabulary=("clear", "primary", "road"))


@pytest.fixture
def sample():
    return pd.DataFrame({"image_name": ["test_0", "test_1", "file_0"], "tags": ["clear primary"] * 3})


def _frame(ids, tags):
    return pd.DataFrame({"image_name": ids, "tags": tags})


def test_valid_submission_is_written_in_sample_order(tmp_path, sample):
    path = tmp_path / "out.csv"
    submission.write(_frame(["file_0", "test_1", "test_0"], ["road", "clear", "primary clear"]), path, sample, FMT)
    written = pd.read_csv(path, dtype=str)
    assert written["image_name"].tolist() == ["test_0", "test_1", "file_0"]
    assert written["tags"].tolist() == ["primary clear", "clear", "road"]
    assert not list(tmp_path.glob(".*tmp*"))


@pytest.mark.parametrize("frame, message", [
    (pd.DataFrame({"id": ["test_0", "test_1", "file_0"], "tags": ["clear"] * 3}), "header is"),
    (_frame(["test_0", "test_1"], ["clear", "clear"]), "missing, e.g. \\['file_0'\\]"),
    (_frame(["test_0", "test_1", "file_0", "test_9"], ["clear"] * 4), "not in the sample submission"),
    (_frame(["test_0", "test_0", "test_1", "file_0"], ["clear"] * 4), "duplicate id"),
    (_frame(["test_0", "test_1", "file_0"], ["clear", None, "road"]), "missing values"),
    (_frame(["test_0", "test_1", "file_0"], ["clear", "", "road"]), "missing values"),
    (_frame(["test_0", "test_1", "file_0"], ["clear", "cloudyy", "road"]), "unknown label"),
])
def test_bad_submissions_are_rejected_and_nothing_is_written(tmp_path, sample, frame, message):
    path = tmp_path / "out.csv"
    with pytest.raises(DataError, match=message):
        submission.write(frame, path, sample, FMT)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_survives_a_rejected_write(tmp_path, sample):
    path = tmp_path / "out.csv"
    submission.write(_frame(["test_0", "test_1", "file_0"], ["clear"] * 3), path, sample, FMT)
    before = path.read_bytes()
    with pytest.raises(DataError):
        submission.write(_frame(["test_0"], ["clear"]), path, sample, FMT)
    assert path.read_bytes() == before


def test_probability_and_class_kinds(sample):
    fmt = submission.SubmissionFormat(("id", "sentiment"), "probability")
    good = pd.DataFrame({"id": ["a", "b"], "sentiment": [0.1, 1.0]})
    ref = pd.DataFrame({"id": ["a", "b"], "sentiment": ["0", "0"]})
    assert submission.problems(good, ref, fmt) == []
    bad = pd.DataFrame({"id": ["a", "b"], "sentiment": [1.5, "x"]})
    assert "not probabilities" in submission.problems(bad, ref, fmt)[0]
    classes = submission.SubmissionFormat(("id", "label"), "class", ("cat", "dog"))
    assert "unknown label" in submission.problems(pd.DataFrame({"id": ["a", "b"], "label": ["cat", "cow"]}),
                                                  ref.rename(columns={"sentiment": "label"}), classes)[0]


def test_sample_submission_is_checked(tmp_path):
    path = tmp_path / "sample.csv"
    path.write_text("image_name,label\ntest_0,clear\n")
    with pytest.raises(DataError, match="sample.csv: header is"):
        submission.read_sample(path, FMT)
    path.write_text("image_name,tags\ntest_0,clear\ntest_0,clear\n")
    with pytest.raises(DataError, match="duplicate ids"):
        submission.read_sample(path, FMT)
    with pytest.raises(DataError, match="not found"):
        submission.read_sample(tmp_path / "absent.csv", FMT)


def test_messages_never_echo_a_huge_value(tmp_path, sample):
    huge = "x" * 100_000
    path = tmp_path / "sample.csv"
    path.write_text(f"image_name,{huge}\ntest_0,clear\n")
    with pytest.raises(DataError, match="header is") as error:
        submission.read_sample(path, FMT)
    assert len(str(error.value)) < 300
    path.write_text(f"image_name,tags\n{huge},clear\n{huge},clear\n")
    with pytest.raises(DataError, match="duplicate ids") as error:
        submission.read_sample(path, FMT)
    assert len(str(error.value)) < 300
    found = submission.problems(_frame(["test_0", "test_1", huge], ["clear", huge, "road"]), sample, FMT)
    assert len(found) == 3 and all(len(problem) < 200 for problem in found)


def test_check_file_reports_unreadable_files_as_problems(tmp_path, sample):
    path = tmp_path / "sub.csv"
    path.write_text("image_name,tags\ntest_0,clear\ntest_1,\nfile_0,road\n")
    assert submission.check_file(path, sample, FMT) == ["1 row(s) with missing values, e.g. rows [3] of the file"]
    path.write_bytes(b"image_name,tags\ntest_0,cl\xe9ar\n")
    assert submission.check_file(path, sample, FMT) == ["line 2, column 10: not valid UTF-8 (byte 0xe9); re-save the "
                                                        "file as UTF-8"]
    assert submission.check_file(tmp_path / "absent.csv", sample, FMT) == ["submission file not found"]
