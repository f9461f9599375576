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


@register("pad_crop")
def _pad_crop():
    """Pad 4 px by reflection and crop back to the image's size at a random offset (the CIFAR standard).

    An integer translation with reflected borders is exactly that crop, at any image size.
    """
    import albumentations as A
    import cv2
    return A.Affine(translate_px=(-4, 4), border_mode=cv2.BORDER_REFLECT_101, p=1.0)


@register("cutout")
def _cutout():
    """Cutout (DeVries & Taylor 2017): one square of half the side set to zero (16 px at 32 px)."""
    import albumentations as A
    return A.CoarseDropout(num_holes_range=(1, 1), hole_height_range=(0.5, 0.5), hole_width_range=(0.5, 0.5),
                           fill=0, p=1.0)


@register("scale_shift")
def _scale_shift():
    """Zoom 0.75-1.15, shift up to 10% and tilt up to 10 degrees, borders replicated: objects drawn at any size and place."""
    import albumentations as A
    import cv2
    return A.Affine(scale=(0.75, 1.15), translate_percent=(-0.1, 0.1), rotate=(-10, 10),
                    border_mode=cv2.BORDER_REPLICATE, p=0.8)


@register("color_jitter")
def _color_jitter():
    """Any hue, and some brightness, contrast and saturation: an icon's class does not depend on its colour."""
    import albumentations as A
    return A.ColorJitter(brightness=(0.8, 1.2), contrast=(0.8, 1.2), saturation=(0.6, 1.4), hue=(-0.5, 0.5), p=0.8)


@register("grayscale")
def _grayscale():
    """One image in five without colour, as line drawings and sketches come."""
    import albumentations as A
    return A.ToGray(p=0.2)


@register("sketch")
def _sketch():
    """One image in four redrawn as a pencil sketch: its outlines in grainy strokes on tinted paper (bridges styles)."""
    from compete.common.data.sketch import PencilSketch
    return PencilSketch(p=0.25)


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
            pipeline = A.Compose([AUGMENTATIONS[n]() for n in self.names if n != "dihedral"])
            self._local.pipeline = pipeline
        return pipeline

    def __call__(self, image: np.ndarray, seed: int) -> np.ndarray:
        if "dihedral" in self.names:
            # Numpy views cost ~0.002 ms against ~0.3 ms of Python in albumentations' SquareSymmetry,
            # which held the GIL and kept decoding threads from running in parallel.
            from compete.common.data.tta import DIHEDRAL
            image = DIHEDRAL[seed % 8](image)
            if len(self.names) == 1:
                return np.ascontiguousarray(image)
        pipeline = self._pipeline()
        pipeline.set_random_seed(seed)
        return pipeline(image=np.ascontiguousarray(image))["image"]


def build(names: Sequence[str]) -> Augmenter | None:
    """An Augmenter for `names`, or None when the list is empty."""
    names = [n for n in names if n]
    return Augmenter(names) if names else None


# Batch transforms mix images across a batch (and their one-hot targets): core Keras layers.
BATCH_TRANSFORMS: dict[str, Callable] = {
    "mixup": lambda alpha: __import__("keras").layers.MixUp(alpha=alpha),
    "cutmix": lambda alpha: __import__("keras").layers.CutMix(factor=alpha),
}


class BatchMixer:
    """Callable `(images, targets, seed) -> (images, targets)` for `ImageDataset(batch_transform=...)`.

    Applies a Keras MixUp / CutMix layer to a NumPy batch with a fresh seed
    generator per call, so a batch's mix depends only on its seed, and returns NumPy.
    """

    def __init__(self, name: str, alpha: float = 1.0):
        if name not in BATCH_TRANSFORMS:
            raise ValueError(f"Unknown batch transform {name!r}; available: {sorted(BATCH_TRANSFORMS)}")
        self.name, self.alpha = name, float(alpha)
        self._local = threading.local()

    def __call__(self, images: np.ndarray, targets: np.ndarray, seed: int):
        import keras

        layer = getattr(self._local, "layer", None)
        if layer is None:
            layer = self._local.layer = BATCH_TRANSFORMS[self.name](self.alpha)
        data = {"images": images, "labels": np.asarray(targets, np.float32)}
        change = layer.get_random_transformation(data, training=True, seed=keras.random.SeedGenerator(int(seed)))
        if "batch_masks" in change:
            # CutMix weighs labels by the box's real-valued area; weigh them by the pixels actually pasted.
            pasted = keras.ops.mean(keras.ops.cast(change["batch_masks"], "float32"), axis=(1, 2, 3))
            change = {**change, "mix_weight": 1.0 - pasted}
        mixed = layer.transform_images(images, change, training=True)
        labels = layer.transform_labels(data["labels"], change, training=True)
        return (np.asarray(keras.ops.convert_to_numpy(mixed), np.float32),
                np.asarray(keras.ops.convert_to_numpy(labels), np.float32))


def build_batch_transform(name: str | None, alpha: float = 1.0) -> BatchMixer | None:
    """A BatchMixer for "mixup" / "cutmix", or None for an empty name."""
    return BatchMixer(name, alpha) if name else None
