"""The synthetic Planet data: Kaggle layout, real tag statistics, determinism, and learnable chips."""

from __future__ import annotations

import cv2
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from compete.competitions.planet import sample_data
from compete.competitions.planet.sample_data import generate, sample_tag_sets
from compete.competitions.planet.tags import CLOUDY, TAGS, TRAIN_ROWS, TRAIN_TAG_COUNTS, WEATHER_TAGS

SUBMISSION_TAGS = "primary clear agriculture road water"


def read_rgb(path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert bgr is not None, f"cannot decode {path}"
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def tag_lists(csv_path) -> pd.Series:
    frame = pd.read_csv(csv_path)
    return pd.Series(frame["tags"].str.split().to_list(), index=frame["image_name"])


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    out = tmp_path_factory.mktemp("planet") / "nested" / "download"
    returned = generate(out, n_train=12, n_test=12, n_test_additional=12, seed=3)
    assert returned == out
    return out


@pytest.fixture(scope="module")
def sampled():
    sets = sample_tag_sets(20_000, np.random.default_rng(0))
    matrix = pd.DataFrame([{t: t in s for t in TAGS} for s in sets]).astype(int)
    return sets, matrix


def test_layout_matches_the_kaggle_download(small_set):
    assert sorted(p.name for p in small_set.iterdir()) == sorted([
        "train_v2.csv", "train-jpg", "test-jpg", "test-jpg-additional",
        "sample_submission_v2.csv", "test_truth.csv",
    ])
    for name in ("train_v2.csv", "sample_submission_v2.csv", "test_truth.csv"):
        assert (small_set / name).read_text().splitlines()[0] == "image_name,tags"
    train = pd.read_csv(small_set / "train_v2.csv")
    assert train["image_name"].to_list() == [f"train_{i}" for i in range(12)]
    for folder, prefix in (("train-jpg", "train"), ("test-jpg", "test"), ("test-jpg-additional", "file")):
        names = {p.name for p in (small_set / folder).iterdir()}
        assert names == {f"{prefix}_{i}.jpg" for i in range(12)}


def test_sample_submission_order_and_truth(small_set):
    submission = pd.read_csv(small_set / "sample_submission_v2.csv")
    expected = [f"test_{i}" for i in range(12)] + [
        "file_0", "file_1", "file_10", "file_11", "file_2", "file_3",
        "file_4", "file_5", "file_6", "file_7", "file_8", "file_9",
    ]
    assert submission["image_name"].to_list() == expected
    assert set(submission["tags"]) == {SUBMISSION_TAGS}
    truth = pd.read_csv(small_set / "test_truth.csv")
    assert truth["image_name"].to_list() == expected
    assert all(set(tags.split()) <= set(TAGS) for tags in truth["tags"])


def test_chips_are_256_px_rgb_jpegs(small_set):
    paths = sorted(small_set.glob("*/*.jpg"))
    assert len(paths) == 36
    for path in paths:
        chip = read_rgb(path)
        assert chip.shape == (256, 256, 3) and chip.dtype == np.uint8


def test_colours_are_stored_in_rgb_order(tmp_path):
    out = generate(tmp_path, n_train=60, n_test=0, n_test_additional=0, seed=1, image_size=64)
    tags = tag_lists(out / "train_v2.csv")
    forest = [name for name, t in tags.items() if sorted(t) == ["clear", "primary"]]
    cloudy = [name for name, t in tags.items() if t == [CLOUDY]]
    assert forest and cloudy
    r, g, b = read_rgb(out / "train-jpg" / f"{forest[0]}.jpg").reshape(-1, 3).mean(0)
    assert g > r and g > b
    assert read_rgb(out / "train-jpg" / f"{cloudy[0]}.jpg").mean() > 170


def test_interrupted_generation_leaves_only_whole_files(tmp_path, monkeypatch):
    real, calls = sample_data.render_chip, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("interrupted")
        return real(*args, **kwargs)

    monkeypatch.setattr(sample_data, "render_chip", failing)
    with pytest.raises(RuntimeError):
        generate(tmp_path, n_train=5, n_test=2, n_test_additional=2, image_size=32)
    assert sorted(p.name for p in (tmp_path / "train-jpg").iterdir()) == ["train_0.jpg", "train_1.jpg"]
    assert not list(tmp_path.glob("*.csv"))


def test_rejects_bad_sizes(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, n_train=-1)
    with pytest.raises(ValueError):
        generate(tmp_path, image_size=4)


def test_one_weather_tag_and_cloudy_alone(sampled):
    sets, _ = sampled
    for tags in sets:
        assert set(tags) <= set(TAGS) and len(tags) == len(set(tags))
        assert sum(t in WEATHER_TAGS for t in tags) == 1
        if CLOUDY in tags:
            assert tags == [CLOUDY]
    assert all(sorted(tags) == tags for tags in sets)


def test_marginals_follow_the_real_train_set(sampled):
    _, matrix = sampled
    share = matrix.mean()
    for tag in WEATHER_TAGS:
        assert abs(share[tag] - TRAIN_TAG_COUNTS[tag] / TRAIN_ROWS) < 0.02, tag
    for tag in ("primary", "agriculture", "road", "water"):
        assert abs(share[tag] - TRAIN_TAG_COUNTS[tag] / TRAIN_ROWS) < 0.03, tag
    assert (share > 0.004).all(), "every tag, even the rarest, shows up"
    assert share["conventional_mine"] < share["bare_ground"] < share["habitation"] < share["road"]


def test_correlations_follow_the_real_train_set(sampled):
    _, m = sampled
    corr = m.corr()
    assert corr.loc["agriculture", "road"] > 0.2
    assert corr.loc["agriculture", "habitation"] > 0.1
    assert corr.loc["road", "habitation"] > 0.1
    assert corr.loc["agriculture", "cultivation"] > 0.1

    def share_with(tag, companions):
        rows = m[m[tag] == 1]
        return rows[list(companions)].max(axis=1).mean()

    assert share_with("slash_burn", ["agriculture", "cultivation"]) > 0.6
    assert share_with("cultivation", ["agriculture"]) > 0.6
    assert share_with("artisinal_mine", ["water", "bare_ground"]) > 0.6
    assert share_with("conventional_mine", ["water", "bare_ground"]) > 0.4


def test_same_seed_same_bytes_and_pixels(tmp_path):
    sizes = dict(n_train=6, n_test=3, n_test_additional=3, image_size=64)
    a = generate(tmp_path / "a", seed=5, **sizes)
    b = generate(tmp_path / "b", seed=5, **sizes)
    c = generate(tmp_path / "c", seed=6, **sizes)
    for name in ("train_v2.csv", "sample_submission_v2.csv", "test_truth.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    chips = sorted(p.relative_to(a) for p in a.glob("*/*.jpg"))
    assert chips == sorted(p.relative_to(b) for p in b.glob("*/*.jpg"))
    for rel in chips:
        assert np.array_equal(read_rgb(a / rel), read_rgb(b / rel))
    differs = (a / "train_v2.csv").read_bytes() != (c / "train_v2.csv").read_bytes() or any(
        not np.array_equal(read_rgb(a / rel), read_rgb(c / rel)) for rel in chips
    )
    assert differs


def grid_features(rgb: np.ndarray) -> np.ndarray:
    """Mean and std over a 4x4 grid of R, G, B, R-B, G-B and |Laplacian|, sorted over the cells."""
    img = rgb.astype(np.float32)
    edges = np.abs(cv2.Laplacian(img.mean(axis=2), cv2.CV_32F))
    planes = np.dstack([img, img[..., 0] - img[..., 2], img[..., 1] - img[..., 2], edges])
    h, w, k = planes.shape
    cells = planes.reshape(4, h // 4, 4, w // 4, k)
    means = cells.mean(axis=(1, 3)).reshape(16, k)
    stds = cells.std(axis=(1, 3)).reshape(16, k)
    return np.concatenate([np.sort(means, axis=0).ravel(), np.sort(stds, axis=0).ravel()])


def test_chips_are_learnable_from_simple_features(tmp_path):
    out = generate(tmp_path, n_train=400, n_test=0, n_test_additional=0, seed=0, image_size=64)
    tags = tag_lists(out / "train_v2.csv")
    features = np.stack([grid_features(read_rgb(out / "train-jpg" / f"{name}.jpg")) for name in tags.index])
    scored = 0
    for tag in ("cloudy", "haze", "agriculture", "water", "road"):
        y = np.array([tag in t for t in tags], dtype=int)
        if len(set(y[:300])) < 2 or len(set(y[300:])) < 2:
            continue
        model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
        model.fit(features[:300], y[:300])
        auc = roc_auc_score(y[300:], model.predict_proba(features[300:])[:, 1])
        assert auc > 0.8, f"{tag}: ROC AUC {auc:.3f}"
        scored += 1
    assert scored >= 4
