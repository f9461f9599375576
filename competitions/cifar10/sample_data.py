"""A small synthetic CIFAR-10 set in the Kaggle layout (or as python batches) for the demo and the tests.

Each class paints its own shape in a hue of its own on a noisy background, at a
random place, size and shade, so a small CNN learns it at 32 px in a few epochs.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from compete.common.io.atomic import atomic_path, write_csv
from compete.competitions.cifar10 import batches
from compete.competitions.cifar10.classes import CLASSES, IMAGE_SIZE

# Hue (OpenCV 0-180 scale) per class, spread around the colour wheel.
HUES = np.linspace(0, 162, len(CLASSES)).astype(int)


def _shape(canvas: np.ndarray, k: int, colour, rng: np.random.Generator) -> None:
    s = IMAGE_SIZE
    cx, cy = (int(v) for v in rng.integers(11, s - 11, 2))
    r = int(rng.integers(7, 11))
    if k == 0:
        cv2.circle(canvas, (cx, cy), r, colour, -1)
    elif k == 1:
        cv2.rectangle(canvas, (cx - r, cy - r), (cx + r, cy + r), colour, -1)
    elif k == 2:
        cv2.fillPoly(canvas, [np.array([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], np.int32)], colour)
    elif k == 3:
        for y in range(int(rng.integers(0, 3)), s, 6):
            cv2.line(canvas, (0, y), (s, y), colour, 2)
    elif k == 4:
        for x in range(int(rng.integers(0, 3)), s, 6):
            cv2.line(canvas, (x, 0), (x, s), colour, 2)
    elif k == 5:
        cv2.line(canvas, (cx - r, cy), (cx + r, cy), colour, 4)
        cv2.line(canvas, (cx, cy - r), (cx, cy + r), colour, 4)
    elif k == 6:
        cv2.circle(canvas, (cx, cy), r, colour, 3)
    elif k == 7:
        for d in range(-s, s, 7):
            cv2.line(canvas, (d, 0), (d + s, s), colour, 2)
    elif k == 8:
        cell = int(rng.integers(4, 7))
        for y in range(0, s, cell):
            for x in range((y // cell) % 2 * cell, s, 2 * cell):
                canvas[y:y + cell, x:x + cell] = colour
    else:
        for _ in range(int(rng.integers(8, 14))):
            cv2.circle(canvas, tuple(int(v) for v in rng.integers(2, s - 2, 2)), 2, colour, -1)


def draw(k: int, rng: np.random.Generator) -> np.ndarray:
    """One 32x32 RGB uint8 image of class index `k`."""
    background = rng.integers(20, 90, 3)
    canvas = np.clip(background + rng.normal(0, 12, (IMAGE_SIZE, IMAGE_SIZE, 3)), 0, 255).astype(np.uint8)
    hue = int((HUES[k] + rng.integers(-6, 7)) % 180)
    hsv = np.uint8([[[hue, int(rng.integers(150, 256)), int(rng.integers(170, 256))]]])
    colour = tuple(int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0])
    _shape(canvas, k, colour, rng)
    return canvas


def _draw_set(n: int, seed: int, split: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, split])
    labels = np.arange(n) % len(CLASSES)
    rng.shuffle(labels)
    return np.stack([draw(int(k), rng) for k in labels]) if n else np.zeros((0, 32, 32, 3), np.uint8), labels


def _write_png(path: Path, image: np.ndarray) -> None:
    ok, data = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    assert ok
    with atomic_path(path) as tmp:
        tmp.write_bytes(data.tobytes())


def generate(out_dir, n_train: int = 600, n_test: int = 150, seed: int = 0) -> Path:
    """Write train/<id>.png, trainLabels.csv, test/<id>.png, sampleSubmission.csv and test_truth.csv.

    Ids run 1..n in numeric order, as in the real download (so 10.png follows 9.png).
    """
    for name, value in (("n_train", n_train), ("n_test", n_test), ("seed", seed)):
        if int(value) != value or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    out = Path(out_dir)
    train, train_labels = _draw_set(n_train, seed, 0)
    test, test_labels = _draw_set(n_test, seed, 1)
    for folder, images in (("train", train), ("test", test)):
        (out / folder).mkdir(parents=True, exist_ok=True)
        for i, image in enumerate(images, start=1):
            _write_png(out / folder / f"{i}.png", image)
    names = np.array(CLASSES)
    write_csv(out / "trainLabels.csv", pd.DataFrame({"id": np.arange(1, n_train + 1), "label": names[train_labels]}))
    write_csv(out / "sampleSubmission.csv", pd.DataFrame({"id": np.arange(1, n_test + 1), "label": "cat"}))
    write_csv(out / "test_truth.csv", pd.DataFrame({"id": np.arange(1, n_test + 1), "label": names[test_labels]}))
    return out


def _write_pickle(path: Path, obj) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        pickle.dump(obj, handle, protocol=2)


def generate_batches(out_dir, n_per_batch: int = 60, n_test: int = 60, seed: int = 0) -> Path:
    """Write cifar-10-batches-py/ (data_batch_1..5, test_batch, batches.meta) with bytes keys, like the real pickles."""
    folder = Path(out_dir) / batches.FOLDER
    folder.mkdir(parents=True, exist_ok=True)

    def batch(images, labels, name):
        data = images.transpose(0, 3, 1, 2).reshape(len(images), IMAGE_SIZE * IMAGE_SIZE * 3)
        return {b"batch_label": name.encode(), b"labels": [int(k) for k in labels], b"data": data,
                b"filenames": [f"{name}_{i}.png".encode() for i in range(len(images))]}

    for i, name in enumerate(batches.TRAIN_BATCHES):
        _write_pickle(folder / name, batch(*_draw_set(n_per_batch, seed, 10 + i), name))
    _write_pickle(folder / batches.TEST_BATCH, batch(*_draw_set(n_test, seed, 1), batches.TEST_BATCH))
    _write_pickle(folder / batches.META, {b"label_names": [c.encode() for c in CLASSES],
                                          b"num_cases_per_batch": n_per_batch, b"num_vis": 3072})
    return Path(out_dir)
