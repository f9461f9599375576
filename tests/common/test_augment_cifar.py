"""Augmentations for 32x32: pad-and-crop, Cutout, and MixUp / CutMix batch transforms on the Keras layers."""

import numpy as np
import pytest

from compete.common.data import augment
from compete.common.data.images import ImageDataset


def _image(size=32):
    return np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)


@pytest.mark.parametrize("size", [32, 48])
def test_pad_crop_is_a_reflect_padded_crop_of_the_same_size(size):
    image = _image(size)
    padded = np.pad(image, ((4, 4), (4, 4), (0, 0)), mode="reflect")
    apply = augment.Augmenter(["pad_crop"])
    offsets = set()
    for seed in range(30):
        out = apply(image, seed)
        assert out.shape == image.shape and out.dtype == np.uint8
        found = [(dy, dx) for dy in range(9) for dx in range(9)
                 if np.array_equal(padded[dy:dy + size, dx:dx + size], out)]
        assert found, "output is not a crop of the reflect-padded image"
        offsets.add(found[0])
    assert len(offsets) > 5 and any(o != (4, 4) for o in offsets)
    assert np.array_equal(apply(image, 7), apply(image, 7))


def test_cutout_zeroes_one_square_region():
    image = np.full((32, 32, 3), 200, np.uint8)
    out = augment.Augmenter(["cutout"])(image, 3)
    zero = (out == 0).all(axis=2)
    rows, cols = np.flatnonzero(zero.any(axis=1)), np.flatnonzero(zero.any(axis=0))
    assert zero.sum() == 16 * 16 and len(rows) == 16 and len(cols) == 16
    assert zero[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].all()
    assert (out[~zero] == 200).all()


def test_existing_entries_unchanged_and_new_ones_registered():
    assert {"hflip", "vflip", "dihedral", "brightness_contrast", "shift_scale_rotate",
            "pad_crop", "cutout"} <= set(augment.AUGMENTATIONS)


def _constant_batch(n=8):
    x = np.stack([np.full((32, 32, 3), float(10 * i), np.float32) for i in range(n)])
    return x, np.eye(10, dtype=np.float32)[np.arange(n)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mixup_mixes_labels_as_it_mixes_pixels(seed):
    x, y = _constant_batch()
    mx, my = augment.BatchMixer("mixup", 1.0)(x, y, seed)
    assert mx.shape == x.shape and my.shape == y.shape and isinstance(mx, np.ndarray)
    np.testing.assert_allclose(my.sum(axis=1), 1, atol=1e-5)
    # Image i was constant 10*i, so its pixels must equal the label-weighted mean of the constants.
    expected = my @ (10.0 * np.arange(10))
    np.testing.assert_allclose(mx.reshape(8, -1).mean(axis=1), expected, atol=1e-3)
    np.testing.assert_allclose(mx.reshape(8, -1).std(axis=1), 0, atol=1e-3)
    assert not np.allclose(my, y)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cutmix_label_weights_equal_pasted_pixel_shares(seed):
    x, y = _constant_batch()
    mx, my = augment.BatchMixer("cutmix", 1.0)(x, y, seed)
    for i in range(8):
        values, counts = np.unique(mx[i, :, :, 0], return_counts=True)
        shares = dict(zip((values / 10).round().astype(int), counts / counts.sum()))
        label_shares = {k: v for k, v in enumerate(my[i]) if v > 1e-6}
        assert shares.keys() == label_shares.keys()
        for k in shares:
            assert abs(shares[k] - label_shares[k]) < 1e-5


def test_batch_mixer_is_reproducible_and_unknown_names_fail():
    x, y = _constant_batch()
    a, b = augment.BatchMixer("mixup")(x, y, 5), augment.BatchMixer("mixup")(x, y, 5)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert augment.build_batch_transform("") is None
    with pytest.raises(ValueError, match="Unknown batch transform 'mixin'; available"):
        augment.build_batch_transform("mixin")


def test_batch_transform_hook_in_image_dataset():
    x, y = _constant_batch()
    images = x.astype(np.uint8)
    dataset = ImageDataset(images, y, image_size=32, batch_size=8, shuffle=True, seed=2,
                           batch_transform=augment.BatchMixer("cutmix"))
    bx, by = dataset[0]
    assert bx.shape == (8, 32, 32, 3) and np.allclose(by.sum(axis=1), 1)
    bx2, by2 = dataset[0]
    assert np.array_equal(bx, bx2) and np.array_equal(by, by2)
