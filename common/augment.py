"""Per-image training augmentation with albumentations, reproducible under parallel workers."""

from __future__ import annotations

import threading
from typing import Callable, Sequence

import numpy as np

# Each entry builds one albumentations transform; pipelines name them in their config.
AUGMENTATIONS: dict[str, Callable] = {}


def register(name: str):
    """Decorator adding an augmentation factory under `name`."""
    def wrap(factory):
        AUGMENTATIONS[name] = factory
        return factory
    return wrap


@register("hflip")
def _hflip():
    import albumentations as A
    return A.HorizontalFlip(p=0.5)


@register("vflip")
def _vflip():
    import albumentations as A
    return A.VerticalFlip(p=0.5)


@register("dihedral")
def _dihedral():
    """Any of the 8 flips/rotations of the square, uniformly: right for overhead imagery."""
    import albumentations as A
    return A.SquareSymmetry(p=1.0)


@register("brightness_contrast")
def _brightness_contrast():
    import albumentations as A
    return A.RandomBrightnessContrast(brightness_limit=0.1, contrast_limit=0.1, p=0.5)


@register("shift_scale_rotate")
def _shift_scale_rotate():
    import albumentations as A
    import cv2
    return A.Affine(translate_percent=(-0.0625, 0.0625), scale=(0.9, 1.1), rotate=(-15, 15),
                    border_mode=cv2.BORDER_REFLECT_101, p=0.5)


class Augmenter:
    """Callable `(image, seed) -> image` applying the named augmentations.

    albumentations pipelines keep random state, so each worker thread gets its
    own copy and reseeds it per image: results depend only on the seed.
    """

    def __init__(self, names: Sequence[str]):
        unknown = [n for n in names if n not in AUGMENTATIONS]
        if unknown:
            raise ValueError(f"Unknown augmentation(s) {unknown}; available: {sorted(AUGMENTATIONS)}")
        self.names = tuple(names)
        self._local = threading.local()

    def _pipeline(self):
        pipeline = getattr(self._local, "pipeline", None)
        if pipeline is None:
            import albumentations as A
            pipeline = A.Compose([AUGMENTATIONS[n]() for n in self.names])
            self._local.pipeline = pipeline
        return pipeline

    def __call__(self, image: np.ndarray, seed: int) -> np.ndarray:
        pipeline = self._pipeline()
        pipeline.set_random_seed(seed)
        return pipeline(image=image)["image"]


def build(names: Sequence[str]) -> Augmenter | None:
    """An Augmenter for `names`, or None when the list is empty."""
    names = [n for n in names if n]
    return Augmenter(names) if names else None
