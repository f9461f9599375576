"""The CIFAR-10 python batches: pickled dicts of b'data' (N, 3072) uint8 rows (R, G, B planes) and b'labels'.

Read straight into (N, 32, 32, 3) arrays; ids are 1..N in file order (train:
data_batch_1..5 concatenated; test: test_batch), so the pipeline never writes PNGs.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd

from compete.common.errors import DataError
from compete.competitions.cifar10.classes import CLASSES, IMAGE_SIZE

FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
META = "batches.meta"


def folder(root) -> Path | None:
    """The batches folder: root/cifar-10-batches-py, or root itself when it holds the batches."""
    root = Path(root)
    for candidate in (root / FOLDER, root):
        if (candidate / TRAIN_BATCHES[0]).is_file() or (candidate / META).is_file():
            return candidate
    return None


def load_pickle(path) -> dict:
    """Unpickle one batch file; a missing, truncated or corrupt file raises DataError naming it."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "batch file not found")
    try:
        with open(path, "rb") as handle:
            obj = pickle.load(handle, encoding="bytes")
    except EOFError:
        raise DataError(path, "batch file is truncated (pickle ends early)") from None
    except (pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError, IndexError,
            KeyError, OverflowError, MemoryError, UnicodeDecodeError) as error:
        state = "truncated" if "truncated" in str(error) else "corrupt"
        raise DataError(path, f"batch file is {state} (cannot unpickle: {error})") from None
    if not isinstance(obj, dict):
        raise DataError(path, f"expected a pickled dict, found {type(obj).__name__}")
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in obj.items()}


def read_meta(path) -> None:
    """batches.meta must name the 10 classes in the expected order (labels are indices into it)."""
    meta = load_pickle(path)
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in meta.get("label_names", [])]
    if tuple(names) != CLASSES:
        raise DataError(path, f"label_names are {names}, expected {list(CLASSES)}")


def read_batch(path) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 32, 32, 3) uint8, class indices (N,)) of one batch file, checked."""
    batch = load_pickle(path)
    for key in ("data", "labels"):
        if key not in batch:
            raise DataError(path, f"no {key!r} entry; found {sorted(batch)}")
    data = batch["data"]
    row = IMAGE_SIZE * IMAGE_SIZE * 3
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != row:
        shape = getattr(data, "shape", type(data).__name__)
        raise DataError(path, f"'data' is {shape}, expected (N, {row}): {IMAGE_SIZE}x{IMAGE_SIZE} images with 3 channels")
    if data.dtype != np.uint8:
        raise DataError(path, f"'data' has dtype {data.dtype}, expected uint8")
    labels = np.asarray(batch["labels"])
    if labels.shape != (len(data),):
        raise DataError(path, f"{len(labels)} labels for {len(data)} images")
    bad = np.flatnonzero((labels < 0) | (labels >= len(CLASSES)))
    if len(bad):
        raise DataError(path, f"label {labels[bad[0]]} at row {bad[0]} is outside the {len(CLASSES)} classes "
                              f"(0..{len(CLASSES) - 1})")
    images = np.ascontiguousarray(data.reshape(-1, 3, IMAGE_SIZE, IMAGE_SIZE).transpose(0, 2, 3, 1))
    return images, labels.astype(np.int64)


def _where(root) -> Path:
    found = folder(root)
    if found is None:
        raise DataError(Path(root) / FOLDER, "python batches not found")
    read_meta(found / META)
    return found


def read_train(root):
    """data_batch_1..5 concatenated, ids 1..N."""
    from compete.competitions.cifar10.layout import TrainSet

    where = _where(root)
    parts = [read_batch(where / name) for name in TRAIN_BATCHES]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    return TrainSet(np.arange(1, len(images) + 1, dtype=np.int64), images, labels, where)


def read_test(root):
    """test_batch with ids 1..N and its true labels; the sample submission is built from the ids."""
    from compete.competitions.cifar10.layout import TestSet

    where = _where(root)
    images, labels = read_batch(where / TEST_BATCH)
    ids = np.arange(1, len(images) + 1, dtype=np.int64)
    sample = pd.DataFrame({"id": ids.astype(str), "label": CLASSES[0]})
    return TestSet(ids, images, sample, where / TEST_BATCH, labels)
