"""Hygiene: planted duplicates recovered (also across train/test), no false pairs, photos flagged, the picture."""

import json

import cv2
import numpy as np
import pytest

from compete.common.errors import DataError
from compete.common.hygiene import hamming, inspect, near_pairs, near_pairs_naive, phash
from compete.competitions.pictogram import sample_data
from compete.competitions.pictogram.classes import CLASSES, DOMAINS


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("pict")
    sample_data.generate(root, seed=3, n_max=14, n_min=4, n_eval_per_class=2, n_exact=3, n_near=3, n_overlap=2,
                         n_photos=3)
    return root


def _paths(root):
    train = sorted((root / "1.Training" / "원천데이터").rglob("*.*"))
    test = sorted((root / "2.Validation" / "원천데이터").rglob("*.*"))
    return train, test


def _pairs(findings, groups):
    return {frozenset(findings.paths[i] for i in g) for g in groups}


def test_planted_duplicates_recovered_and_nothing_else(sample):
    train, test = _paths(sample)
    findings = inspect(train, test)
    manifest = json.loads((sample / "sample_manifest.json").read_text(encoding="utf-8"))
    full = lambda pairs: {frozenset(str(sample / p) for p in pair) for pair in pairs}
    assert _pairs(findings, findings.duplicates.exact) == full(manifest["exact"] + manifest["overlap_exact"])
    assert _pairs(findings, findings.duplicates.near) == full(manifest["near"] + manifest["overlap_near"])
    d = findings.duplicates
    assert len(d.crossing(d.exact)) == 2 and len(d.crossing(d.near)) == 2
    drop = findings.to_drop(exact=True, near=True, photos=False)
    assert len(drop) == 6 and all(findings.split[i] == 0 for i in drop)


def test_photos_flagged_and_only_them(sample):
    train, _ = _paths(sample)
    findings = inspect(train)
    manifest = json.loads((sample / "sample_manifest.json").read_text(encoding="utf-8"))
    assert {findings.paths[i] for i in findings.photos} == {str(sample / p) for p in manifest["photos"]}


def test_report_and_contact_sheet(sample, tmp_path):
    train, test = _paths(sample)
    findings = inspect(train, test)
    report = findings.summary()
    assert report["train_test_overlap"] == {"exact": 2, "near": 2} and len(report["photos"]) == 3
    json.dumps(report, ensure_ascii=False)
    path = findings.picture(tmp_path / "sheet.png")
    image = cv2.imread(str(path))
    assert image is not None and image.shape[1] > 400 and image.shape[0] > 10 * 96
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.png"]


def test_distinct_icons_are_not_near_duplicates():
    rng = np.random.default_rng(0)
    images = [sample_data.render(label, domain, rng)[0] for label in CLASSES for domain in DOMAINS for _ in range(3)]
    hashes = np.array([phash(im) for im in images], np.uint64)
    pairs, _ = near_pairs(hashes, 1)
    assert len(pairs) == 0


def test_near_copy_survives_resize_jpeg_brightness():
    rng = np.random.default_rng(1)
    image, _ = sample_data.render("집", "ILLUSTRATION", rng)
    copy = sample_data.near_copy(image, rng)
    ok, data = cv2.imencode(".jpg", copy, [cv2.IMWRITE_JPEG_QUALITY, 80])
    copy = cv2.imdecode(data, cv2.IMREAD_COLOR)
    assert hamming(phash(image), phash(copy)) <= 1


@pytest.mark.parametrize("radius", [0, 1, 4, 9])
def test_multi_index_equals_all_pairs(radius):
    rng = np.random.default_rng(radius)
    base = rng.integers(0, 2**63, 300, dtype=np.uint64)
    flips = np.uint64(1) << rng.integers(0, 64, 300).astype(np.uint64)
    hashes = np.concatenate([base, base[:100] ^ flips[:100], base[:50] ^ flips[100:150] ^ flips[150:200]])
    fast, fast_d = near_pairs(hashes, radius)
    slow, slow_d = near_pairs_naive(hashes, radius, block=64)
    order_f, order_s = np.lexsort(fast.T[::-1]), np.lexsort(slow.T[::-1])
    assert np.array_equal(fast[order_f], slow[order_s]) and np.array_equal(fast_d[order_f], slow_d[order_s])


def test_unreadable_images_are_listed_with_their_problem_and_in_no_group(tmp_path, sample):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG not really")
    missing = tmp_path / "gone.png"
    train, test = _paths(sample)
    findings = inspect(train[:3] + [bad], test[:2] + [missing, test[0]])
    assert [(findings.paths[i], why) for i, why in findings.unreadable] == [
        (str(bad), "image file is truncated (no end-of-image marker)"), (str(missing), "image file is missing")]
    assert findings.unreadable_in(0) == [(3, "image file is truncated (no end-of-image marker)")]
    assert findings.unreadable_in(1) == [(2, "image file is missing")]
    members = {i for g in findings.duplicates.exact + findings.duplicates.near for i in g}
    assert members == {4, 7}  # the one real duplicate (test[0] twice); no unreadable row in any group
    assert not set(findings.photos) & {3, 6}
    report = findings.summary()
    assert [u["file"] for u in report["unreadable"]] == [str(bad), str(missing)]
    assert [u["split"] for u in report["unreadable"]] == ["train", "test"]
    findings.picture(tmp_path / "sheet.png")


def test_hashing_sees_transparent_images_composited_like_every_reader(tmp_path):
    # A black square on white, and the same square on a transparent background whose hidden colour is red:
    # composited on white, the two are the same picture, so hygiene calls them exact duplicates.
    rgb = np.full((40, 40, 3), 255, np.uint8)
    rgb[10:30, 10:30] = 0
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[..., 2] = 255  # BGRA: red where transparent
    rgba[10:30, 10:30] = (0, 0, 0, 255)
    cv2.imwrite(str(tmp_path / "plain.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(tmp_path / "alpha.png"), rgba)
    findings = inspect([tmp_path / "plain.png", tmp_path / "alpha.png"])
    assert findings.duplicates.exact == [[0, 1]] and not findings.unreadable


def test_group_ids_join_exact_and_near_groups_across_sets():
    from compete.common.hygiene import DuplicateReport

    report = DuplicateReport(exact=[[1, 4]], near=[[4, 6], [2, 7]], near_distance=[1, 1],
                             split=np.array([0, 0, 0, 0, 0, 0, 0, 1]))
    ids = report.group_ids()
    assert ids[1] == ids[4] == ids[6] == 1 and ids[2] == ids[7] == 2
    assert ids.tolist()[:1] + [ids[3], ids[5]] == [0, 3, 5]


def test_planted_duplicates_share_a_fold_when_kept(sample):
    from compete.common.runs import folds as stratify

    train, _ = _paths(sample)
    findings = inspect(train)
    groups = findings.duplicates.group_ids()
    y = np.arange(len(train)) % 3
    folds = stratify.multi_key_folds(y, n_splits=3, seed=0, groups=groups)
    for group in findings.duplicates.exact + findings.duplicates.near:
        assert len(set(folds[group].tolist())) == 1, group
    assert sorted(np.bincount(folds).tolist())[0] >= len(train) // 3 - 4
    no_repeats = np.arange(len(train))
    assert np.array_equal(stratify.multi_key_folds(y, n_splits=3, seed=0, groups=no_repeats),
                          stratify.multi_key_folds(y, n_splits=3, seed=0))


def test_phash_sets_half_its_bits_so_its_distances_are_even_and_the_default_radius_is_two():
    """Why `near_distance` defaults to 2: with 32 of 64 bits set in every pHash, radius 1 finds only radius 0's pairs."""
    from compete.pipelines.pictogram import PictogramConfig

    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (40, 40, 3), dtype=np.uint8) for _ in range(20)]
    images += [cv2.GaussianBlur(img, (0, 0), 3) for img in images[:10]]
    hashes = np.array([phash(img) for img in images], np.uint64)
    assert all(bin(int(h)).count("1") == 32 for h in hashes)
    distances = hamming(hashes[:, None], hashes[None, :])
    assert (distances % 2 == 0).all() and distances.max() > 0
    assert PictogramConfig(data="d").near_distance == 2
