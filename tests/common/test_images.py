import cv2
import numpy as np
import pytest

from compete.common.data import augment, images, tta
from compete.common.errors import DataError


@pytest.fixture
def jpegs(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for i in range(10):
        image = rng.integers(0, 255, (48, 48, 3), dtype=np.uint8)
        image[: 8 + i] = (255, 0, 0)  # BGR blue band: checks channel order after decoding
        path = tmp_path / f"img_{i}.jpg"
        cv2.imwrite(str(path), image)
        paths.append(path)
    return paths


def test_read_returns_rgb_resized(jpegs):
    image = images.read(jpegs[0], 24)
    assert image.shape == (24, 24, 3) and image.dtype == np.uint8
    top = image[:2].reshape(-1, 3).mean(axis=0)
    assert top[2] > 200 and top[0] < 60


def test_bad_files_name_the_file(tmp_path, jpegs):
    data = jpegs[0].read_bytes()
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"not an image at all" * 10)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    for path, message in [(truncated, "truncated"), (garbage, "cannot be decoded"), (empty, "empty"),
                          (tmp_path / "absent.jpg", "missing")]:
        with pytest.raises(DataError, match=message) as info:
            images.read(path, 16)
        assert str(path) in str(info.value)
    assert [p for p, _ in images.find_unreadable([jpegs[0], truncated, garbage])] == [str(truncated), str(garbage)]


def test_dataset_batches_targets_and_fallback(tmp_path, jpegs):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8broken")
    paths = jpegs[:3] + [broken]
    dataset = images.ImageDataset(paths, image_size=16, batch_size=2, on_error="fallback", workers=2)
    batches = [dataset[i][0] for i in range(len(dataset))]
    assert [b.shape for b in batches] == [(2, 16, 16, 3), (2, 16, 16, 3)]
    assert dataset.failed == {3} and not batches[1][1].any()
    with pytest.raises(DataError, match="broken.jpg"):
        images.ImageDataset(paths, np.zeros(4), image_size=16, batch_size=4)[0]


def test_augmentation_depends_only_on_seed_and_epoch(jpegs):
    targets = np.arange(len(jpegs))

    def epoch_batches(workers):
        dataset = images.ImageDataset(jpegs, targets, image_size=32, batch_size=4, shuffle=True, seed=5,
                                      augment=augment.build(["dihedral", "brightness_contrast"]), workers=workers)
        first = [dataset[i] for i in range(len(dataset))]
        dataset.on_epoch_end()
        second = [dataset[i] for i in range(len(dataset))]
        return first, second

    (a1, a2), (b1, b2) = epoch_batches(1), epoch_batches(2)
    for (xa, ya), (xb, yb) in zip(a1 + a2, b1 + b2):
        assert np.array_equal(xa, xb) and np.array_equal(ya, yb)
    assert sorted(np.concatenate([y for _, y in a1]).tolist()) == targets.tolist()
    assert not all(np.array_equal(x1, x2) for (x1, _), (x2, _) in zip(a1, a2))


def test_cache_gives_identical_batches(jpegs):
    dataset = images.ImageDataset(jpegs, image_size=16, batch_size=5, cache=True)
    first = dataset[0][0]
    assert np.array_equal(first, dataset[0][0])


def test_tta_views_are_the_eight_symmetries():
    image = np.arange(4 * 4 * 1).reshape(4, 4, 1)
    views = [v(image) for v in tta.views(8)]
    assert len({v.tobytes() for v in views}) == 8
    for v in views:
        assert sorted(v.ravel()) == sorted(image.ravel())
    assert [v(image).tobytes() for v in tta.views(2)] == [image.tobytes(), image[:, ::-1].tobytes()]
    with pytest.raises(ValueError):
        tta.views(3)


def test_tta_average_groups_consecutive_rows():
    outputs = np.array([[0.0], [1.0], [2.0], [4.0]])
    assert tta.average(outputs, 2).tolist() == [[0.5], [3.0]]


def test_dataset_expands_views_in_order(jpegs):
    dataset = images.ImageDataset(jpegs[:2], image_size=8, batch_size=2, views=tta.views(4))
    x = dataset[0][0]
    assert x.shape == (8, 8, 8, 3)
    assert np.array_equal(x[1], x[0][:, ::-1]) and np.array_equal(x[4], x[5][:, ::-1])


def test_unknown_augmentation():
    with pytest.raises(ValueError, match="Unknown augmentation"):
        augment.build(["dihedral", "twirl"])
