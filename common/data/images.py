"""Image input pipeline without TensorFlow: cv2 decode and resize, per-image augmentation,
batches assembled by parallel workers through `keras.utils.PyDataset`."""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from typing import Callable, Sequence

import cv2
import keras
import numpy as np

from compete.common.errors import DataError
from compete.common.io import image_header, policy

# Parallelism comes from the dataset's worker threads; cv2's own pool on top only oversubscribes the cores.
cv2.setNumThreads(1)
# A corrupt file is reported by `decode` in one line naming it; OpenCV's own log lines would only repeat it.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)

_TRAILERS = {b"\xff\xd8": (b"\xff\xd9",), b"\x89P": (b"IEND\xaeB`\x82",)}


def decode(data: bytes, path="<bytes>") -> np.ndarray:
    """Decode JPEG/PNG bytes to an RGB uint8 array; truncated, corrupt or oversized data raises DataError.

    libjpeg fills a truncated JPEG with grey and only warns, so the end marker is checked too.
    The declared size is checked against the input policy before any pixel is decoded, and
    transparent images are composited on the policy's background (decoding them as colour
    would turn a transparent background black).
    """
    if not data:
        raise DataError(path, "image file is empty")
    trailers = _TRAILERS.get(data[:2])
    if trailers is not None and not any(data.rstrip(b"\x00").endswith(t) for t in trailers):
        raise DataError(path, "image file is truncated (no end-of-image marker)")
    size = image_header.dimensions(data)
    limit = policy.current.max_image_pixels
    if size is not None and size[0] * size[1] > limit:
        raise DataError(path, f"image declares {size[0]}x{size[1]} pixels ({size[0] * size[1] / 1e6:.0f} MP), over the "
                              f"limit of {limit / 1e6:g} MP; raise it with --max-image-megapixels if it is genuine")
    alpha = image_header.has_alpha(data)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED if alpha else cv2.IMREAD_COLOR)
    if image is None:
        raise DataError(path, "image cannot be decoded (corrupt or not an image)")
    if alpha:
        return _composite(image, policy.current.background)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _composite(image: np.ndarray, background) -> np.ndarray:
    """RGB of a decoded image with transparency (BGRA, grey + alpha, 8 or 16 bit) laid over `background`."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 2:  # grey + alpha
        image = np.concatenate([np.repeat(image[..., :1], 3, axis=2), image[..., 1:]], axis=2)
    if image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    rgb = cv2.cvtColor(image[..., :3], cv2.COLOR_BGR2RGB).astype(np.float32)
    alpha = image[..., 3:4].astype(np.float32) / 255.0
    out = rgb * alpha + np.asarray(background, np.float32) * (1.0 - alpha)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def read(path, size: int | None = None) -> np.ndarray:
    """Read one image as RGB uint8, resized to size x size when `size` is given."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise DataError(path, "image file is missing") from None
    except OSError as error:
        raise DataError(path, f"image file cannot be read: {error.strerror}") from None
    image = decode(data, path)
    if size is not None and image.shape[:2] != (size, size):
        interpolation = cv2.INTER_AREA if image.shape[0] > size else cv2.INTER_LINEAR
        image = cv2.resize(image, (size, size), interpolation=interpolation)
    return image


def is_array_source(source) -> bool:
    """Whether `source` holds the images themselves, (N, H, W, 3) uint8, rather than file paths."""
    return isinstance(source, np.ndarray) and source.dtype == np.uint8 and source.ndim == 4 and source.shape[-1] == 3


def as_source(source):
    """Index-ready image source: an in-memory image array as is, file paths as an object array."""
    return source if is_array_source(source) else np.asarray(source, dtype=object)


def mix_seed(*values: int) -> int:
    """A well-mixed 31-bit seed from integers (splitmix64 steps): ~1 us, against ~20 us for SeedSequence."""
    state = 0x9E3779B97F4A7C15
    for value in values:
        state = ((state ^ (value & 0xFFFFFFFFFFFFFFFF)) + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        state = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        state = ((state ^ (state >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        state ^= state >> 31
    return state & 0x7FFFFFFF


def default_workers() -> int:
    """Decoding threads: one per core (cv2 releases the GIL while decoding)."""
    return max(1, min(8, os.cpu_count() or 1))


class ImageDataset(keras.utils.PyDataset):
    """Batches of images (and targets) read from files, for `model.fit` / `model.predict`.

    Args:
        paths: image files, or the images themselves as a (N, H, W, 3) uint8 array
            (data sets shipped as arrays, e.g. pickled batches: nothing is written to disk).
        targets: array indexed like `paths`, or None for prediction.
        image_size: side of the square the images are resized to.
        batch_size: images per batch (before TTA views multiply it).
        augment: `augment(image, seed) -> image`, applied per image when training.
        shuffle: reshuffle every epoch (seeded by `seed` and the epoch number).
        views: TTA callables; each image yields len(views) consecutive rows.
        on_error: "raise" (training) or "fallback" (prediction: a black image,
            its index recorded in `failed`).
        cache: keep decoded, resized images in memory after their first read.
        workers: decoding threads (default: one per core).
        batch_transform: `(images, targets, seed) -> (images, targets)` on whole batches (e.g. MixUp).
        devices: the data-parallel device count, which must divide every batch's rows: a short batch
            is filled up with the first images of the epoch's order when `top_up` (training: every
            image is still seen once an epoch, a few twice), else with repeats of its last image that
            weigh nothing (validation: the batches carry sample weights, so loss and metrics are those
            of the real rows) and that `trim` drops from the model's outputs (prediction). With 1,
            batches are exactly as without it.
        top_up: fill short batches with other images rather than weightless repeats (training).
    """

    def __init__(self, paths, targets=None, *, image_size: int, batch_size: int = 32,
                 augment: Callable | None = None, shuffle: bool = False, seed: int = 0,
                 views: Sequence[Callable] | None = None, on_error: str = "raise",
                 cache: bool = False, workers: int | None = None, max_queue_size: int = 8,
                 batch_transform: Callable | None = None, devices: int = 1, top_up: bool = False):
        super().__init__(workers=default_workers() if workers is None else workers,
                         use_multiprocessing=False, max_queue_size=max_queue_size)
        self.paths = paths if is_array_source(paths) else [str(p) for p in paths]
        self.targets = None if targets is None else np.asarray(targets)
        if self.targets is not None and len(self.targets) != len(self.paths):
            raise ValueError(f"{len(self.paths)} paths but {len(self.targets)} targets")
        if on_error not in ("raise", "fallback"):
            raise ValueError(f"on_error must be 'raise' or 'fallback', got {on_error!r}")
        self.image_size, self.batch_size = image_size, batch_size
        self.augment, self.shuffle, self.seed = augment, shuffle, seed
        self.views = list(views) if views else None
        self._rows_per_image = len(self.views) if self.views else 1
        self.on_error = on_error
        self.batch_transform = batch_transform
        self.failed: set[int] = set()
        self._lock = threading.Lock()
        if is_array_source(self.paths) and self.paths.shape[1:3] == (image_size, image_size):
            cache = False  # already decoded at the right size
        self._cache = np.zeros((len(self.paths), image_size, image_size, 3), np.uint8) if cache else None
        self._cached = np.zeros(len(self.paths), bool) if cache else None
        self.epoch = 0
        self._order = self._make_order()
        self.top_up = top_up
        self._sizes = np.minimum(batch_size, len(self.paths) - np.arange(self.num_batches) * batch_size)
        # Images added to each batch so that its rows (images x views) divide by the device count.
        self._pads = -self._sizes % (devices // math.gcd(devices, self._rows_per_image))
        self._pad_weight = None
        if self.targets is not None and not top_up and self._pads.any():
            # Keras averages a batch's loss over all its rows and an epoch's over all batches' rows:
            # weighting the real rows by (all rows / real rows) gives back the real rows' mean.
            self._pad_weight = float(self._sizes.sum() + self._pads.sum()) / float(self._sizes.sum())

    def _make_order(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(len(self.paths))
        return np.random.default_rng([self.seed, self.epoch]).permutation(len(self.paths))

    @property
    def num_batches(self) -> int:
        return (len(self.paths) + self.batch_size - 1) // self.batch_size

    def __len__(self) -> int:
        return self.num_batches

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self._order = self._make_order()

    def _load(self, index: int) -> np.ndarray:
        if self._cache is not None and self._cached[index]:
            return self._cache[index]
        try:
            image = self._read(index)
        except DataError:
            if self.on_error != "fallback":
                raise
            with self._lock:
                self.failed.add(index)
            return np.zeros((self.image_size, self.image_size, 3), np.uint8)
        if self._cache is not None:
            self._cache[index] = image
            self._cached[index] = True
        return image

    def _read(self, index: int) -> np.ndarray:
        if not isinstance(self.paths, np.ndarray):
            return read(self.paths[index], self.image_size)
        image = self.paths[index]
        if image.shape[:2] != (self.image_size, self.image_size):
            interpolation = cv2.INTER_AREA if image.shape[0] > self.image_size else cv2.INTER_LINEAR
            image = cv2.resize(image, (self.image_size, self.image_size), interpolation=interpolation)
        return image

    def _indices(self, batch: int) -> np.ndarray:
        """The images of batch `batch`: its own, then any that pad it to a multiple of the devices."""
        indices = self._order[batch * self.batch_size:(batch + 1) * self.batch_size]
        pad = int(self._pads[batch])
        if not pad:
            return indices
        fill = np.resize(self._order, pad) if self.top_up else np.repeat(indices[-1:], pad)
        return np.concatenate([indices, fill])

    def trim(self, outputs: np.ndarray) -> np.ndarray:
        """The model's outputs over this dataset without the rows of images that only pad a batch."""
        if not self._pads.any():
            return outputs
        rows = self._rows_per_image
        keep = np.concatenate([np.repeat([True, False], [size * rows, pad * rows])
                               for size, pad in zip(self._sizes, self._pads)])
        return outputs[keep]

    def __getitem__(self, batch: int):
        indices = self._indices(batch)
        images = []
        for index in indices:
            image = self._load(int(index))
            if self.augment is not None:
                # Seeded per (run seed, epoch, image): the same images whichever thread draws them.
                image = self.augment(image, mix_seed(self.seed, self.epoch, int(index)))
            if self.views:
                images.extend(view(image) for view in self.views)
            else:
                images.append(image)
        x = np.ascontiguousarray(np.stack(images), dtype=np.float32)
        if self.targets is None:
            return (x,)
        y = self.targets[indices]
        if self.batch_transform is not None:
            x, y = self.batch_transform(x, y, mix_seed(self.seed, self.epoch, batch))
        if self._pad_weight is not None:
            weights = np.zeros(len(indices), np.float32)
            weights[:self._sizes[batch]] = self._pad_weight
            return x, y, weights
        return x, y


def find_unreadable(paths: Sequence, workers: int | None = None) -> list[tuple[str, str]]:
    """Decode every file in parallel; (path, problem) for each that is missing, truncated or corrupt."""
    from concurrent.futures import ThreadPoolExecutor

    def probe(path):
        try:
            read(path)
        except DataError as error:
            return str(path), error.problem
        return None

    with ThreadPoolExecutor(workers or default_workers()) as pool:
        return [r for r in pool.map(probe, paths, chunksize=64) if r is not None]


def find_transparent(paths: Sequence, workers: int | None = None) -> list[str]:
    """The files among `paths` that carry transparency (read from their headers); unreadable ones are skipped."""
    from concurrent.futures import ThreadPoolExecutor

    def probe(path):
        try:
            return str(path) if image_header.file_has_alpha(path) else None
        except OSError:
            return None

    with ThreadPoolExecutor(workers or default_workers()) as pool:
        return [p for p in pool.map(probe, paths, chunksize=64) if p is not None]
