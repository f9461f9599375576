import shutil

import numpy as np
import pytest
from sklearn.metrics import fbeta_score

from compete.common.errors import DataError
from compete.competitions.planet import layout
from compete.competitions.planet.metric import mean_f2
from compete.competitions.planet.rules import weather_forced
from compete.competitions.planet.tags import TAGS


@pytest.fixture
def download(planet_sample, tmp_path):
    """A private copy of the generated download that a test may damage."""
    return shutil.copytree(planet_sample, tmp_path / "planet")


def test_reads_train_and_test_in_sample_order(planet_sample):
    train = layout.read_train(planet_sample)
    assert len(train.ids) == 120 and train.labels.shape == (120, 17)
    assert train.paths[5].name == "train_5.jpg" and train.paths[5].parent.name == "train-jpg"
    test = layout.read_test(planet_sample)
    assert test.ids == test.sample["image_name"].tolist()
    assert {p.parent.name for p in test.paths} == {"test-jpg", "test-jpg-additional"}
    assert all(p.stem == i for p, i in zip(test.paths, test.ids))


@pytest.mark.parametrize("damage, file, message", [
    (lambda d: (d / "train_v2.csv").unlink(), "train_v2.csv", "file not found"),
    (lambda d: (d / "train_v2.csv").write_text("image_name,labels\ntrain_0,clear\n"), "train_v2.csv", "missing column"),
    (lambda d: (d / "train_v2.csv").write_text("image_name,tags\ntrain_0,clear primary\ntrain_1,clear jungle\n"),
     "train_v2.csv", "'train_1' \\(line 3\\): unknown tag 'jungle'"),
    (lambda d: (d / "train-jpg" / "train_3.jpg").unlink(), "train-jpg", "1 listed training image\\(s\\) missing"),
    (lambda d: [p.unlink() for p in (d / "test-jpg-additional").iterdir()], "test-jpg-additional", "empty"),
    (lambda d: (d / "test-jpg" / "test_2.jpg").unlink(), "sample_submission_v2.csv", "have no image"),
    (lambda d: shutil.copy(d / "test-jpg" / "test_0.jpg", d / "test-jpg" / "test_999.jpg"),
     "sample_submission_v2.csv", "not in the sample submission"),
    (lambda d: (d / "sample_submission_v2.csv").write_text("id,tags\ntest_0,clear\n"), "sample_submission_v2.csv",
     "header is"),
    (lambda d: (d / "train_v2.csv").write_text("image_name,tags\ntrain_0,clear primry\n"), "train_v2.csv",
     "'train_0' \\(line 2\\): unknown tag 'primry'; did you mean 'primary'\\?"),
    (lambda d: (d / "train_v2.csv").write_text("image_name,tags\n../train-jpg/train_0,clear\n"), "train_v2.csv",
     "line 2: image_name '../train-jpg/train_0' is not a plain file name"),
    (lambda d: (d / "train_v2.csv").write_text("image_name,tags\ntrain_0,clear\n,clear\n"), "train_v2.csv",
     "line 3: image_name '' is empty"),
    (lambda d: (d / "train_v2.csv").write_text("image_name,tags\ntrain_0,clear,primary\ntrain_1,clear\n"),
     "train_v2.csv", "line 2: expected 2 comma-separated fields \\['image_name', 'tags'\\], found 3"),
    (lambda d: (d / "train_v2.csv").write_text("image_name,tags,tags\ntrain_0,clear,primary\n"), "train_v2.csv",
     "duplicate column name\\(s\\) in the header: \\['tags'\\]"),
    (lambda d: (d / "train_v2.csv").write_bytes("image_name,tags\ntrain_0,clear\ntrain_1,cl\u00e9ar\n".encode("latin-1")),
     "train_v2.csv", "line 3, column 11: not valid UTF-8 \\(byte 0xe9\\)"),
    (lambda d: shutil.rmtree(d / "test-jpg") or (d / "test-jpg").write_text("x"), "test-jpg", "not found"),
])
def test_bad_downloads_name_the_file(download, damage, file, message):
    damage(download)
    with pytest.raises(DataError, match=message) as info:
        layout.read_train(download)
        layout.read_test(download)
    assert file in str(info.value)


def test_planet_metric_is_sklearn_samples_f2(planet_sample):
    y = layout.read_train(planet_sample).labels
    rng = np.random.default_rng(0)
    pred = np.where(rng.random(y.shape) < 0.15, 1 - y, y)
    assert mean_f2(y, pred) == pytest.approx(fbeta_score(y, pred, beta=2, average="samples", zero_division=0))


def test_weather_rule():
    idx = {t: i for i, t in enumerate(TAGS)}
    probs = np.full((3, 17), 0.6)
    probs[0, [idx["clear"], idx["haze"], idx["cloudy"], idx["partly_cloudy"]]] = [0.9, 0.8, 0.1, 0.2]
    probs[1, [idx["clear"], idx["haze"], idx["cloudy"], idx["partly_cloudy"]]] = [0.3, 0.2, 0.7, 0.6]
    probs[2, [idx["clear"], idx["haze"], idx["cloudy"], idx["partly_cloudy"]]] = [0.1, 0.4, 0.2, 0.3]
    forced = weather_forced(probs)
    weather = [idx[t] for t in ("clear", "partly_cloudy", "haze", "cloudy")]
    assert (forced[:, weather] >= 0).all() and (forced[:, weather].sum(axis=1) == 1).all()
    assert forced[0, idx["clear"]] == 1 and forced[2, idx["haze"]] == 1
    assert forced[1, idx["cloudy"]] == 1 and (np.delete(forced[1], idx["cloudy"]) == 0).all()
    assert (forced[0, [idx["primary"], idx["road"]]] == -1).all()


@pytest.mark.parametrize("token", ["q" * 100_000, "q" * 5_000_000])
def test_a_multi_megabyte_bad_token_is_never_echoed(download, token):
    path = download / "train_v2.csv"
    lines = path.read_text().splitlines()
    lines[3] = lines[3].split(",")[0] + ",clear " + token
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as info:
        layout.read_train(download)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "line 4" in message and len(message) < 300
    lines[3] = token + ",clear"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as info:
        layout.read_train(download)
    assert "line 4" in str(info.value) and len(str(info.value)) < 300


def test_special_files_and_images_in_both_test_folders_are_refused(download):
    import os

    shutil.copy(download / "test-jpg" / "test_0.jpg", download / "test-jpg-additional" / "test_0.jpg")
    with pytest.raises(DataError, match="test_0.jpg: also in test-jpg: each test image must be in one test folder"):
        layout.read_test(download)
    (download / "test-jpg-additional" / "test_0.jpg").unlink()
    (download / "test-jpg" / "test_1.jpg").unlink()
    os.mkfifo(download / "test-jpg" / "test_1.jpg")  # reading it would block for ever
    with pytest.raises(DataError, match="test_1.jpg: not a regular file"):
        layout.read_test(download)
