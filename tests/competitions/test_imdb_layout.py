"""IMDB layout: the popcorn TSVs parsed exactly as written (plain, zipped), aclImdb folders, bad input."""

import zipfile
from pathlib import Path

import numpy as np
import pytest

from compete.common.io import quoted_tsv
from compete.common.errors import DataError
from compete.competitions.imdb import layout, sample_data

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "popcorn"
HEADER = "id\tsentiment\treview\n"


def _write(root, rows, name=layout.LABELED, header=HEADER, encoding="utf-8"):
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_bytes((header + "".join(r + "\n" for r in rows)).encode(encoding))
    return root


def test_quoted_rows_with_escaped_quotes_tabs_and_breaks(tmp_path):
    rows = ['"1_9"\t1\t"A \\"great\\" film.<br /><br />\tReally."',
            '"2_2"\t0\t"Back\\\\slash and \\"bad\\""']
    reviews = layout.read_labeled(_write(tmp_path, rows))
    assert reviews.ids == ["1_9", "2_2"]
    assert reviews.texts[0] == 'A "great" film.<br /><br />\tReally.'
    assert reviews.texts[1] == 'Back\\slash and "bad"'
    assert reviews.labels.tolist() == [1, 0]
    from compete.common.text.clean import clean, strip_html
    assert "<br" not in strip_html(reviews.texts[0])
    assert clean(reviews.texts[0]) == "a great film really"


def test_zipped_file_read_without_unpacking(tmp_path):
    _write(tmp_path / "plain", ['"1_9"\t1\t"good"', '"2_1"\t0\t"bad"'])
    zipped = tmp_path / "zipped"
    zipped.mkdir()
    with zipfile.ZipFile(zipped / f"{layout.LABELED}.zip", "w") as archive:
        archive.write(tmp_path / "plain" / layout.LABELED, layout.LABELED)
    assert layout.read_labeled(zipped).texts == ["good", "bad"]
    assert list(zipped.iterdir()) == [zipped / f"{layout.LABELED}.zip"]


def test_sample_generator_round_trips(tmp_path):
    root = sample_data.generate(tmp_path, n_labeled=80, n_test=20, n_unlabeled=30)
    labeled, test = layout.read_labeled(root), layout.read_test(root)
    assert len(labeled.ids) == 80 and set(labeled.labels) == {0, 1}
    assert len(layout.read_unlabeled(root).ids) == 30
    assert test.sample["id"].tolist() == test.reviews.ids and "_" in test.reviews.ids[0]
    assert any('"' in t for t in labeled.texts) and any("<br />" in t for t in labeled.texts)


def test_acl_imdb_folders(tmp_path):
    base = tmp_path / "aclImdb"
    for split, kind, name, text in [("train", "pos", "0_9.txt", "Loved it"), ("train", "neg", "0_2.txt", "Hated it"),
                                    ("train", "unsup", "0_0.txt", "Hmm"), ("test", "pos", "1_8.txt", "Fine"),
                                    ("test", "neg", "1_3.txt", "Meh")]:
        (base / split / kind).mkdir(parents=True, exist_ok=True)
        (base / split / kind / name).write_text(text, encoding="utf-8")
    train = layout.read_labeled(tmp_path)
    assert train.ids == ["pos/0_9", "neg/0_2"] and train.labels.tolist() == [1, 0]
    assert layout.read_unlabeled(tmp_path).texts == ["Hmm"]
    test = layout.read_test(tmp_path)
    assert test.reviews.labels.tolist() == [1, 0] and test.sample["id"].tolist() == ["pos/1_8", "neg/1_3"]
    (base / "train" / "pos" / "x.txt").write_text("oops", encoding="utf-8")
    with pytest.raises(DataError, match="x.txt"):
        layout.read_labeled(tmp_path)


@pytest.mark.parametrize("rows, header, match", [
    (['"1_9"\t1'], "id\tsentiment\n", r"missing column\(s\) \['review'\]"),
    (['"1_9"\t1\t"good"', '"2_9"\t2\t"good"'], HEADER, r"line 3: sentiment '2'"),
    (['"1_9"\t1\t"good"', '"2_9"\t1\t"a "stray" quote"'], HEADER, r"line 3: malformed quoted field"),
    (['"1_9"\t1\t"good"', '"2_9"\t1\t"never closed'], HEADER, r"line 3: unterminated quoted field"),
    (['"1_9"\t1\t"good"', '"2_9"\t1\t"never closed', '"3_9"\t0\t"fine"'], HEADER,
     r"line 3: unterminated quoted field \(the quote opened on line 3 runs on to line 4\)"),
    (['"1_9"\t1\t"good"', '"2_9"\t1\t"bad"', '"3_9"\t1\t"bad"'], HEADER, r"the labels are all one class"),
    (['"1_9"\t0\tgood\t1', '"2_9"\t1\tbad\t2'], "id\tsentiment\treview\tid\n", r"duplicate column names in header"),
    (['"' + "9" * 2_000_000 + '"\t0\t"good"', '"2_9"\t1\t"<br />"'], HEADER, r"line 3: empty review for id '2_9'"),
    (['"' + "9" * 2_000_000 + '"\t7\t"good"'], HEADER, r"line 2: sentiment '7' for id '9+… is not 0 or 1"),
    (['"1_9"\t1\t"good"', '"2_9"\t1\t"<br /> "'], HEADER, r"line 3: empty review"),
    (['"1_9"\t1\t"good"', '"1_9"\t0\t"bad"'], HEADER, r"line 3: duplicate id '1_9' \(first on line 2\)"),
    (['"1_9"\t1\t"good"\textra'], HEADER, r"line 2: expected 3 tab-separated fields"),
])
def test_bad_input_names_file_and_line(tmp_path, rows, header, match):
    root = _write(tmp_path, rows, header=header)
    with pytest.raises(DataError, match=match) as error:
        layout.read_labeled(root)
    assert layout.LABELED in str(error.value) and len(str(error.value)) < 300


@pytest.mark.parametrize("name", [layout.LABELED, f"{layout.TEST}.zip", layout.SAMPLE_SUBMISSION])
def test_a_folder_where_a_file_belongs_is_named_not_taken_for_absent(tmp_path, name):
    root = sample_data.generate(tmp_path / "s", n_labeled=20, n_test=10, n_unlabeled=5)
    if name.endswith(".zip"):
        (root / layout.TEST).unlink()
    else:
        (root / name).unlink()
    (root / name).mkdir()
    with pytest.raises(DataError, match=f"{name}: expected a file, found a folder"):
        layout.read_labeled(root), layout.has_test(root) and layout.read_test(root)


def test_a_zipped_sample_submission_is_read(tmp_path):
    root = sample_data.generate(tmp_path / "s", n_labeled=20, n_test=10, n_unlabeled=5)
    with zipfile.ZipFile(root / f"{layout.SAMPLE_SUBMISSION}.zip", "w") as archive:
        archive.write(root / layout.SAMPLE_SUBMISSION, layout.SAMPLE_SUBMISSION)
    expected = layout.read_test(root).sample
    (root / layout.SAMPLE_SUBMISSION).unlink()
    assert layout.read_test(root).sample.equals(expected)


def test_other_encoding_named_with_its_line(tmp_path):
    root = _write(tmp_path, ['"1_9"\t1\t"good"', '"2_9"\t1\t"caf\u00e9 cr\u00e8me"'], encoding="latin-1")
    with pytest.raises(DataError, match=r"labeledTrainData.tsv: line 3, column 13: not valid UTF-8 \(byte 0xe9\)"):
        layout.read_labeled(root)


def test_missing_files_and_mismatched_sample(tmp_path):
    with pytest.raises(DataError, match="data folder not found"):
        layout.read_labeled(tmp_path / "nowhere")
    with pytest.raises(DataError, match="labeledTrainData.tsv: file not found"):
        layout.read_labeled(tmp_path)
    root = sample_data.generate(tmp_path / "s", n_labeled=20, n_test=10, n_unlabeled=5)
    text = (root / layout.SAMPLE_SUBMISSION).read_text()
    (root / layout.SAMPLE_SUBMISSION).write_text(text.replace('"', "").rsplit("\n", 2)[0] + "\n")
    with pytest.raises(DataError, match="sampleSubmission.csv: ids differ"):
        layout.read_test(root)


def test_real_files_parse_as_pandas_with_escapechar():
    """The real files need pandas' escapechar='\\\\' (quoting=3 breaks on tabs inside reviews); we agree with it."""
    path = REAL / f"{layout.LABELED}.zip"
    if not path.exists():
        pytest.skip(f"real popcorn data not found at {REAL}")
    import io

    import pandas as pd

    frame = pd.read_csv(io.BytesIO(quoted_tsv.read_bytes(path)), sep="\t", escapechar="\\", dtype=str, keep_default_na=False)
    ours = layout.read_labeled(REAL)
    assert len(ours.ids) == 24996 == len(frame)
    assert ours.ids == frame["id"].tolist() and ours.texts == frame["review"].tolist()
    assert np.array_equal(ours.labels, frame["sentiment"].astype(int).to_numpy())
    assert not ours.ids[0].startswith('"')


def test_a_device_in_place_of_a_review_file_is_refused_not_read(tmp_path):
    import os

    for kind, name in (("pos", "0_9.txt"), ("neg", "0_2.txt")):
        (tmp_path / "aclImdb" / "train" / kind).mkdir(parents=True)
        (tmp_path / "aclImdb" / "train" / kind / name).write_text("fine", encoding="utf-8")
    os.symlink("/dev/zero", tmp_path / "aclImdb" / "train" / "pos" / "1_8.txt")  # endless if read
    with pytest.raises(DataError, match="1_8.txt: expected a regular file, found something else"):
        layout.read_labeled(tmp_path)
    os.unlink(tmp_path / "aclImdb" / "train" / "pos" / "1_8.txt")
    os.symlink("/dev/zero", tmp_path / layout.LABELED)
    assert layout.read_labeled(tmp_path).ids == ["pos/0_9", "neg/0_2"]  # the aclImdb folders come first
