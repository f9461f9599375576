"""Augmentations for drawings: scale and shift, colour jitter, grayscale, and the pencil-sketch redrawing."""

import numpy as np
import pytest

from compete.common.data import augment
from compete.common.data.sketch import pencil_sketch


def _icon(size=64, colour=(200, 30, 30)):
    """A filled square on white: a flat icon with one outline."""
    image = np.full((size, size, 3), 255, np.uint8)
    image[16:48, 16:48] = colour
    return image


def test_pencil_sketch_draws_the_outline_and_blanks_the_fill():
    out = pencil_sketch(_icon(), darkness=0.8, width=1, paper=np.array([250.0, 245.0, 240.0]), grain=0.0,
                        rng=np.random.default_rng(0))
    gray = out.mean(axis=2)
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8
    assert gray[32, 32] > 235 and gray[4, 4] > 235  # the fill and the background are both paper now
    assert gray[14:18, 32].min() < 120 and gray[32, 46:50].min() < 120  # the square's edges are dark lines
    assert (out[4, 4] == [250, 245, 240]).all()  # on the paper's tint
    assert (np.abs(out[..., 0].astype(int) - out[..., 2].astype(int))[gray < 200] <= 10).all()  # pencil is grey


def test_pencil_sketch_is_the_same_for_the_same_seed_and_varies_with_it():
    apply = augment.Augmenter(["sketch"])
    image = _icon()
    outs = [apply(image, seed) for seed in range(40)]
    assert np.array_equal(apply(image, 7), outs[7])
    sketched = [o for o in outs if not np.array_equal(o, image)]
    assert 3 <= len(sketched) <= 20  # p=0.25 of 40
    assert len({o.tobytes() for o in sketched}) == len(sketched)


def test_grayscale_drops_colour_in_about_one_image_in_five():
    apply = augment.Augmenter(["grayscale"])
    outs = [apply(_icon(), seed) for seed in range(100)]
    gray = [o for o in outs if (o[..., 0] == o[..., 1]).all() and (o[..., 1] == o[..., 2]).all()]
    assert 8 <= len(gray) <= 35
    assert all(np.array_equal(o, _icon()) for o in outs if not any(o is g for g in gray))


def test_color_jitter_changes_the_hue_and_keeps_white_white():
    apply = augment.Augmenter(["color_jitter"])
    hues = set()
    for seed in range(20):
        out = apply(_icon(), seed)
        assert out.shape == (64, 64, 3) and out.dtype == np.uint8
        hues.add(int(np.argmax(out[32, 32])))
        assert (out[2, 2] >= 200).all()  # white stays near white whatever the hue
    assert len(hues) >= 2  # the red square became green or blue in some draws


@pytest.mark.parametrize("seed", range(5))
def test_scale_shift_moves_the_object_and_keeps_its_size_within_range(seed):
    out = augment.Augmenter(["scale_shift"])(_icon(), seed)
    assert out.shape == (64, 64, 3)
    ink = (out.astype(int).sum(axis=2) < 600)
    if ink.any():
        area = ink.sum() / (32 * 32)
        assert 0.75**2 * 0.8 < area < 1.15**2 * 1.2  # scaled by 0.75-1.15, a tilt adds a little


def test_drawing_augmentations_compose_and_are_reproducible():
    apply = augment.Augmenter(["hflip", "scale_shift", "color_jitter", "grayscale", "sketch"])
    image = _icon()
    assert np.array_equal(apply(image, 11), apply(image, 11))
    assert len({apply(image, s).tobytes() for s in range(10)}) >= 8  # a draw may leave the image as it was
