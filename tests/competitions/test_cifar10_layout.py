"""Reading CIFAR-10 downloads: numeric id order, and every kind of bad input named in a DataError."""

import pickle
import shutil

import cv2
import numpy as np
import pandas as pd
import pytest

from compete.common.errors import DataError
from compete.competitions.cifar10 import batches, layout, sample_data
from compete.competitions.cifar10.classes import CLASSES


@pytest.fixture(scope="module")
def kaggle(tmp_path_factory):
    return sample_data.generate(tmp_path_factory.mktemp("cifar-kaggle"), n_train=40, n_test=25, seed=1)


@pytest.fixture(scope="module")
def pybatches(tmp_path_factory):
    return sample_data.generate_batches(tmp_path_factory.mktemp("cifar-batches"), n_per_batch=6, n_test=7, seed=1)


@pytest.fixture
def copy(tmp_path):
    def make(source):
        return shutil.copytree(source, tmp_path / "data")
    return make


def test_kaggle_ids_in_numeric_order_even_when_the_csv_is_not(kaggle, copy):
    root = copy(kaggle)
    frame = pd.read_csv(root / "trainLabels.csv", dtype=str)
    shuffled = frame.sort_values("id").reset_index(drop=True)  # lexicographic: 1, 10, 11, ..., 2, 20, ...
    assert list(shuffled["id"][:3]) == ["1", "10", "11"]
    shuffled.to_csv(root / "trainLabels.csv", index=False)
    train = layout.read_train(root)
    assert train.ids.tolist() == list(range(1, 41))
    assert [p.name for p in train.images[:11]] == [f"{i}.png" for i in range(1, 12)]
    by_id = dict(zip(frame["id"].astype(int), frame["label"]))
    assert [CLASSES[k] for k in train.labels] == [by_id[i] for i in range(1, 41)]
    sample = pd.read_csv(root / "sampleSubmission.csv", dtype=str).sort_values("id")
    sample.to_csv(root / "sampleSubmission.csv", index=False)
    test = layout.read_test(root)
    assert test.ids.tolist() == list(range(1, 26))
    assert test.sample["id"].tolist() == [str(i) for i in range(1, 26)]
    assert [p.name for p in test.images] == [f"{i}.png" for i in range(1, 26)]


def test_kaggle_labels_match_the_pixels_written(kaggle):
    train = layout.read_train(kaggle)
    image = cv2.cvtColor(cv2.imread(str(train.images[0])), cv2.COLOR_BGR2RGB)
    assert image.shape == (32, 32, 3)
    assert layout.detect(kaggle) == "kaggle" and layout.read_test(kaggle).labels is None


def test_no_sample_submission_means_no_test(kaggle, copy):
    root = copy(kaggle)
    (root / "sampleSubmission.csv").unlink()
    shutil.rmtree(root / "test")
    assert layout.read_test(root) is None


def test_unknown_label(kaggle, copy):
    root = copy(kaggle)
    frame = pd.read_csv(root / "trainLabels.csv")
    frame.loc[4, "label"] = "unicorn"
    frame.to_csv(root / "trainLabels.csv", index=False)
    with pytest.raises(DataError, match=r"trainLabels\.csv: id 5 \(line 6\): unknown class 'unicorn'"):
        layout.read_train(root)


@pytest.mark.parametrize("bad_id", ["abc", "0", "2.5"])
def test_bad_or_duplicate_ids(kaggle, copy, bad_id):
    root = copy(kaggle)
    frame = pd.read_csv(root / "trainLabels.csv", dtype=str)
    frame.loc[2, "id"] = bad_id
    frame.to_csv(root / "trainLabels.csv", index=False)
    with pytest.raises(DataError, match=rf"trainLabels\.csv: line 4: id '{bad_id}'"):
        layout.read_train(root)
    frame.loc[2, "id"] = "7"
    frame.to_csv(root / "trainLabels.csv", index=False)
    with pytest.raises(DataError, match=r"duplicate id"):
        layout.read_train(root)


def test_missing_columns(kaggle, copy):
    root = copy(kaggle)
    pd.read_csv(root / "trainLabels.csv").rename(columns={"label": "class"}).to_csv(root / "trainLabels.csv", index=False)
    with pytest.raises(DataError, match=r"trainLabels\.csv: missing column"):
        layout.read_train(root)


def test_id_without_image(kaggle, copy):
    root = copy(kaggle)
    (root / "train" / "17.png").unlink()
    with pytest.raises(DataError, match=r"train: 1 id\(s\) of trainLabels\.csv have no image, e\.g\. \['17\.png'\]"):
        layout.read_train(root)


@pytest.mark.parametrize("image,oddity", [
    (np.zeros((28, 28, 3), np.uint8), "28x28, resized to 32x32"),
    (np.zeros((64, 64, 3), np.uint8), "64x64, resized to 32x32"),
    (np.zeros((32, 32), np.uint8), "grey, read as RGB"),
    (np.zeros((16, 20, 2), np.uint8), "20x16, resized to 32x32, grey, read as RGB"),
    (np.zeros((32, 32, 4), np.uint8), None),  # transparency is composited, not odd
])
def test_other_sizes_and_grey_images_are_read_and_listed(kaggle, copy, image, oddity):
    """Train or test, an image of another size is resized when read (and grey turned to RGB): listed, not refused."""
    root = copy(kaggle)
    if image.ndim == 3 and image.shape[2] == 2:  # grey + alpha: cv2 writes no such PNG, so write it by hand
        assert cv2.imwrite(str(root / "train" / "12.png"), np.zeros((16, 20), np.uint8))
        path = root / "train" / "12.png"
        data = bytearray(path.read_bytes())
        data[25] = 4  # colour type grey + alpha: the header alone decides what `layout` reports
        path.write_bytes(bytes(data))
        shutil.copy(path, root / "test" / "3.png")
    else:
        assert cv2.imwrite(str(root / "train" / "12.png"), image)
        assert cv2.imwrite(str(root / "test" / "3.png"), image)
    train, test = layout.read_train(root), layout.read_test(root)
    assert len(train.ids) == 40 and len(test.ids) == 25
    assert train.odd == ({} if oddity is None else {12: oddity})
    assert test.odd == ({} if oddity is None else {3: oddity})
    assert train.head(11).odd == {} and train.head(12).odd == train.odd


def test_a_size_the_decoder_refuses_is_not_called_resizable(kaggle, copy):
    """A header declaring 100000x100000 pixels is left for the decoder to refuse (over the pixel limit)."""
    root = copy(kaggle)
    path = root / "test" / "5.png"
    data = bytearray(path.read_bytes())
    data[16:24] = (100_000).to_bytes(4, "big") * 2
    path.write_bytes(bytes(data))
    assert layout.read_test(root).odd == {}


def test_corrupt_png_header_train_raises_test_is_kept(kaggle, copy):
    root = copy(kaggle)
    (root / "test" / "4.png").write_bytes(b"garbage" * 10)
    assert len(layout.read_test(root).ids) == 25
    (root / "train" / "9.png").write_bytes(b"garbage" * 10)
    with pytest.raises(DataError, match=r"train/9\.png: not a readable PNG"):
        layout.read_train(root)


def test_test_folder_must_match_the_sample(kaggle, copy):
    root = copy(kaggle)
    shutil.copy(root / "test" / "1.png", root / "test" / "99.png")
    with pytest.raises(DataError, match=r"1 test image\(s\) are not in sampleSubmission\.csv, e\.g\. \['99\.png'\]"):
        layout.read_test(root)
    (root / "test" / "99.png").unlink()
    for i in (20, 21, 22):
        (root / "test" / f"{i}.png").unlink()
    with pytest.raises(DataError, match=r"sampleSubmission\.csv: 3 of its 25 id\(s\) have no image .*\['20\.png', "
                                        r"'21\.png', '22\.png'\]: the sample submission does not match"):
        layout.read_test(root)


def test_a_few_missing_test_images_are_kept_for_the_fallback(kaggle, copy):
    """Up to a tenth of the test images may be missing: their ids stay (the model's reader falls back on them)."""
    root = copy(kaggle)
    (root / "test" / "20.png").unlink()
    (root / "test" / "7.png").unlink()
    test = layout.read_test(root)
    assert test.ids.tolist() == list(range(1, 26)) and test.images[19].name == "20.png"
    assert not test.images[19].exists() and test.odd == {}


def test_neither_layout(tmp_path):
    with pytest.raises(DataError, match="neither the Kaggle layout"):
        layout.read_train(tmp_path)
    with pytest.raises(ValueError, match="Unknown layout 'zip'; available"):
        layout.detect(tmp_path, "zip")


def test_python_batches_read_as_arrays(pybatches):
    assert layout.detect(pybatches) == "batches"
    train, test = layout.read_train(pybatches), layout.read_test(pybatches)
    assert train.images.shape == (30, 32, 32, 3) and train.images.dtype == np.uint8
    assert train.ids.tolist() == list(range(1, 31)) and train.in_memory
    assert test.images.shape == (7, 32, 32, 3) and test.labels.shape == (7,)
    assert test.sample["id"].tolist() == [str(i) for i in range(1, 8)]
    # Row layout: 1024 red, 1024 green, 1024 blue values, row-major.
    with open(pybatches / batches.FOLDER / "data_batch_2", "rb") as handle:
        raw = pickle.load(handle, encoding="bytes")
    first = raw[b"data"][0]
    np.testing.assert_array_equal(train.images[6, :, :, 0].ravel(), first[:1024])
    np.testing.assert_array_equal(train.images[6, :, :, 2].ravel(), first[2048:])
    assert train.labels[6] == raw[b"labels"][0]
    # The folder itself can be given too.
    assert len(layout.read_train(pybatches / batches.FOLDER).ids) == 30


def test_truncated_pickle(pybatches, copy):
    root = copy(pybatches)
    path = root / batches.FOLDER / "data_batch_3"
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(DataError, match=r"data_batch_3: batch file is truncated"):
        layout.read_train(root)


def test_corrupt_or_missing_batches(pybatches, copy):
    root = copy(pybatches)
    (root / batches.FOLDER / "test_batch").write_bytes(b"\x80\x02garbage")
    with pytest.raises(DataError, match=r"test_batch: batch file is (corrupt|truncated)"):
        layout.read_test(root)
    (root / batches.FOLDER / "data_batch_5").unlink()
    with pytest.raises(DataError, match=r"data_batch_5: batch file not found"):
        layout.read_train(root)


def _rewrite(path, change):
    with open(path, "rb") as handle:
        obj = pickle.load(handle, encoding="bytes")
    change(obj)
    with open(path, "wb") as handle:
        pickle.dump(obj, handle)


def test_batch_label_outside_the_classes(pybatches, copy):
    root = copy(pybatches)
    _rewrite(root / batches.FOLDER / "data_batch_1", lambda o: o[b"labels"].__setitem__(2, 10))
    with pytest.raises(DataError, match=r"data_batch_1: label 10 at row 2 is outside the 10 classes"):
        layout.read_train(root)


def test_batch_with_wrong_image_size(pybatches, copy):
    root = copy(pybatches)
    _rewrite(root / batches.FOLDER / "data_batch_4", lambda o: o.__setitem__(b"data", o[b"data"][:, :1024]))
    with pytest.raises(DataError, match=r"data_batch_4: 'data' is \(6, 1024\), expected \(N, 3072\)"):
        layout.read_train(root)


def test_meta_with_other_classes(pybatches, copy):
    root = copy(pybatches)
    _rewrite(root / batches.FOLDER / "batches.meta", lambda o: o[b"label_names"].reverse())
    with pytest.raises(DataError, match=r"batches\.meta: label_names are"):
        layout.read_train(root)


@pytest.mark.parametrize("folder,name", [("test", "6.png"), ("train", "9.png")])
def test_an_image_that_is_a_device_or_a_pipe_is_refused_unread(kaggle, copy, folder, name):
    """A link to /dev/zero (endless) or a FIFO (blocks on open) would hang the reader: refused from the header scan."""
    import os

    root = copy(kaggle)
    path = root / folder / name
    path.unlink()
    path.symlink_to("/dev/zero")
    read = layout.read_test if folder == "test" else layout.read_train
    with pytest.raises(layout.NotAFile, match=rf"{folder}/{name}: not a regular file"):
        read(root)
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(layout.NotAFile, match=rf"{folder}/{name}: not a regular file"):
        read(root)


def test_a_folder_named_like_a_test_image_is_kept_for_the_fallback(kaggle, copy):
    root = copy(kaggle)
    (root / "test" / "6.png").unlink()
    (root / "test" / "6.png").mkdir()
    assert len(layout.read_test(root).ids) == 25
    (root / "train" / "9.png").unlink()
    (root / "train" / "9.png").mkdir()
    with pytest.raises(DataError, match=r"train/9\.png: image file cannot be read"):
        layout.read_train(root)


def test_a_huge_value_in_the_sample_submission_is_quoted_short(kaggle, copy):
    root = copy(kaggle)
    sample = pd.read_csv(root / "sampleSubmission.csv", dtype=str)
    sample.loc[2, "id"] = "9" * 100_000
    sample.to_csv(root / "sampleSubmission.csv", index=False)
    with pytest.raises(DataError, match=r"line 4: id '9999.*… is not a positive integer$") as error:
        layout.read_test(root)
    assert len(str(error.value)) < 300 + len(str(root))
    sample.rename(columns={"label": "x" * 100_000}).to_csv(root / "sampleSubmission.csv", index=False)
    with pytest.raises(DataError, match=r"header is \['id', 'xxx.*…, expected \['id', 'label'\]") as error:
        layout.read_test(root)
    assert len(str(error.value)) < 300 + len(str(root))
