"""Where things are in a CIFAR-10 download: the Kaggle layout (PNG files) or the python batches (arrays).

Both give the same TrainSet / TestSet: ids in numeric order (1, 2, ..., never the
lexicographic order of file names) and `images`, either file paths or a
(n, 32, 32, 3) uint8 array, which `common.images.ImageDataset` reads alike.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from compete.common.io import png
from compete.common.io.tables import read_csv
from compete.common.errors import DataError, require_columns
from compete.competitions.cifar10.classes import IMAGE_SIZE, VOCABULARY
from compete.competitions.cifar10.constants import LAYOUTS

TRAIN_CSV = "trainLabels.csv"
TRAIN_DIR = "train"
TEST_DIR = "test"
SAMPLE_SUBMISSION = "sampleSubmission.csv"
EXTENSION = ".png"


@dataclass
class TrainSet:
    ids: np.ndarray
    images: list[Path] | np.ndarray
    labels: np.ndarray
    source: Path

    def head(self, n: int) -> "TrainSet":
        return TrainSet(self.ids[:n], self.images[:n], self.labels[:n], self.source)

    @property
    def in_memory(self) -> bool:
        return isinstance(self.images, np.ndarray)


@dataclass
class TestSet:
    ids: np.ndarray
    images: list[Path] | np.ndarray
    sample: pd.DataFrame
    source: Path
    labels: np.ndarray | None = None


def detect(root, layout: str = "auto") -> str:
    """"kaggle" when trainLabels.csv is there, else "batches" when the python batches are."""
    from compete.competitions.cifar10 import batches

    root = Path(root)
    if layout not in LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}; available: {', '.join(LAYOUTS)}")
    if layout != "auto":
        return layout
    if not root.is_dir():
        raise DataError(root, "data folder not found")
    if (root / TRAIN_CSV).is_file():
        return "kaggle"
    if batches.folder(root) is not None:
        return "batches"
    raise DataError(root, f"neither the Kaggle layout ({TRAIN_CSV}) nor the python batches "
                          f"({batches.FOLDER}/data_batch_1 ...) found")


def read_train(root, layout: str = "auto") -> TrainSet:
    """Training ids, images and class indices from either layout."""
    if detect(root, layout) == "batches":
        from compete.competitions.cifar10 import batches
        return batches.read_train(root)
    return read_kaggle_train(root)


def read_test(root, layout: str = "auto") -> TestSet | None:
    """Test ids and images in numeric id order, or None when the download has no test part."""
    if detect(root, layout) == "batches":
        from compete.competitions.cifar10 import batches
        return batches.read_test(root)
    if not (Path(root) / SAMPLE_SUBMISSION).exists():
        return None
    return read_kaggle_test(root)


def parse_ids(values, source, what: str = "id") -> np.ndarray:
    """Positive integer ids; DataError naming the row of the first that is not one."""
    ids = pd.to_numeric(pd.Series(values, dtype=str).str.strip(), errors="coerce")
    bad = np.flatnonzero(ids.isna().to_numpy() | (ids.fillna(0).to_numpy() < 1)
                         | (ids.fillna(0).to_numpy() % 1 != 0))
    if len(bad):
        raise DataError(source, f"line {bad[0] + 2}: {what} {list(values)[bad[0]]!r} is not a positive integer")
    ids = ids.to_numpy(dtype=np.int64)
    _, first, counts = np.unique(ids, return_index=True, return_counts=True)
    if (counts > 1).any():
        raise DataError(source, f"duplicate {what}(s), e.g. {ids[first[counts > 1]][:3].tolist()}")
    return ids


def _listing(folder: Path) -> set[str]:
    if not folder.is_dir():
        raise DataError(folder, "image folder not found")
    return set(os.listdir(folder))


def read_kaggle_train(root) -> TrainSet:
    """trainLabels.csv sorted by numeric id, each id's train/<id>.png present, 32x32 RGB by its header."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(root, "data folder not found")
    csv_path = root / TRAIN_CSV
    frame = read_csv(csv_path)
    require_columns(frame.columns, ["id", "label"], csv_path)
    if frame.empty:
        raise DataError(csv_path, "no rows")
    ids = parse_ids(frame["id"], csv_path)
    labels = VOCABULARY.encode(frame["label"].str.strip(), source=csv_path,
                               row_names=[f"id {i} (line {n + 2})" for n, i in enumerate(frame["id"])])
    order = np.argsort(ids, kind="stable")
    ids, labels = ids[order], labels[order]
    image_dir = root / TRAIN_DIR
    present = _listing(image_dir)
    missing = [int(i) for i in ids if f"{i}{EXTENSION}" not in present]
    if missing:
        raise DataError(image_dir, f"{len(missing)} id(s) of {TRAIN_CSV} have no image, e.g. "
                                   f"{[f'{i}{EXTENSION}' for i in missing[:3]]}")
    paths = [image_dir / f"{i}{EXTENSION}" for i in ids]
    png.check(paths, IMAGE_SIZE, 3, corrupt="raise")
    return TrainSet(ids, paths, labels, csv_path)


def read_kaggle_test(root) -> TestSet:
    """sampleSubmission.csv ids in numeric order, each with test/<id>.png, and no image left over.

    Wrong sizes or channel counts raise; a file that is not a readable PNG is kept
    (it gets the fallback prediction and is listed).
    """
    from compete.common.submission import read_sample
    from compete.competitions.cifar10.format import FORMAT

    root = Path(root)
    sample_path = root / SAMPLE_SUBMISSION
    sample = read_sample(sample_path, FORMAT)
    ids = parse_ids(sample["id"], sample_path)
    order = np.argsort(ids, kind="stable")
    ids, sample = ids[order], sample.iloc[order].reset_index(drop=True)
    folder = root / TEST_DIR
    present = {name for name in _listing(folder) if name.endswith(EXTENSION)}
    expected = {f"{i}{EXTENSION}" for i in ids}
    missing = sorted(expected - present, key=lambda n: int(n[:-len(EXTENSION)]))
    if missing:
        raise DataError(sample_path, f"{len(missing)} id(s) have no image in {folder}, e.g. {missing[:3]}: "
                                     "the sample submission does not match the test folder")
    extra = sorted(present - expected)
    if extra:
        raise DataError(folder, f"{len(extra)} test image(s) are not in {SAMPLE_SUBMISSION}, e.g. {extra[:3]}")
    paths = [folder / f"{i}{EXTENSION}" for i in ids]
    png.check(paths, IMAGE_SIZE, 3, corrupt="list")
    return TestSet(ids, paths, sample, sample_path)
