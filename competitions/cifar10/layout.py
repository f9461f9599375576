"""Where things are in a CIFAR-10 download: the Kaggle layout (PNG files) or the python batches (arrays).

Both give the same TrainSet / TestSet: ids in numeric order (1, 2, ..., never the
lexicographic order of file names) and `images`, either file paths or a
(n, 32, 32, 3) uint8 array, which `common.images.ImageDataset` reads alike.

PNG files are judged by their headers only (no decoding). A file of another size or a grey
one is read anyway (resized to the model's input, or turned to RGB) and reported in `odd`;
a test image that is missing or not a PNG at all is kept too, and gets the fallback
prediction when the model cannot read it. Only a training image that is not a PNG, or a
download whose test folder does not match its sample submission, is refused.
"""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from compete.common.errors import DataError, quoted
from compete.common.io import png, policy
from compete.common.io.tables import read_csv
from compete.competitions.cifar10.classes import CLASSES, IMAGE_SIZE, VOCABULARY
from compete.competitions.cifar10.constants import LAYOUTS

TRAIN_CSV = "trainLabels.csv"
TRAIN_DIR = "train"
TEST_DIR = "test"
SAMPLE_SUBMISSION = "sampleSubmission.csv"
EXTENSION = ".png"
# Test ids of the sample submission whose image may be missing (each gets the fallback prediction)
# before the test folder is taken for another download's, or a partial extraction.
MISSING_TEST_SHARE = 0.1


@dataclass
class TrainSet:
    ids: np.ndarray
    images: list[Path] | np.ndarray
    labels: np.ndarray
    source: Path
    odd: dict[int, str] = field(default_factory=dict)  # id -> how its image is unusual (read anyway)

    def head(self, n: int) -> "TrainSet":
        kept = set(self.ids[:n].tolist())
        return TrainSet(self.ids[:n], self.images[:n], self.labels[:n], self.source,
                        {i: why for i, why in self.odd.items() if i in kept})

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
    odd: dict[int, str] = field(default_factory=dict)  # id -> how its image is unusual (read anyway)


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
    values = [v if isinstance(v, str) else "" for v in values]
    ids = pd.to_numeric(pd.Series(values, dtype=str).str.strip(), errors="coerce")
    numbers = ids.fillna(0).to_numpy(dtype=float)
    bad = np.flatnonzero(ids.isna().to_numpy() | (numbers < 1) | (numbers % 1 != 0) | (numbers >= 2 ** 53))
    if len(bad):
        raise DataError(source, f"line {bad[0] + 2}: {what} {quoted(values[bad[0]])} is not a positive integer")
    ids = ids.to_numpy(dtype=np.int64)
    _, first, counts = np.unique(ids, return_index=True, return_counts=True)
    if (counts > 1).any():
        raise DataError(source, f"duplicate {what}(s), e.g. {ids[first[counts > 1]][:3].tolist()}")
    return ids


def _table(path, columns, missing: str = "file not found", exact: bool = False) -> pd.DataFrame:
    """A CSV as text with at least (or, `exact`, only) `columns` and one row or more."""
    frame = read_csv(path, missing=missing)
    found = [str(c) for c in frame.columns]
    if exact and found != list(columns):
        raise DataError(path, f"header is {quoted(found)}, expected {list(columns)}")
    missing_columns = [c for c in columns if c not in found]
    if missing_columns:
        raise DataError(path, f"missing column(s) {missing_columns}; found {quoted(found)}")
    if frame.empty:
        raise DataError(path, "no rows")
    return frame


def _labels(frame: pd.DataFrame, ids: np.ndarray, source) -> np.ndarray:
    """Class indices of the label column; DataError naming the id and line of the first unknown class."""
    names = [v.strip() if isinstance(v, str) else "" for v in frame["label"]]
    for n, name in enumerate(names):
        if name not in CLASSES:
            raise DataError(source, f"id {ids[n]} (line {n + 2}): unknown class {quoted(name)}; "
                                    f"known classes: {', '.join(CLASSES)}")
    return VOCABULARY.encode(names, source=source)


def _listing(folder: Path) -> set[str]:
    if not folder.is_dir():
        raise DataError(folder, "image folder not found")
    try:
        return set(os.listdir(folder))
    except OSError as error:
        raise DataError(folder, f"cannot list the folder: {error.strerror or error}") from None


class NotAFile(DataError):
    """An image path naming a device, a pipe or a socket (a link to /dev/zero, say): reading it could hang."""


def _header(path):
    """The PNG header (width, height, channels), None when the file is not a PNG, or the DataError reading it."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return DataError(path, "image file is missing")
    except OSError as error:
        return DataError(path, f"image file cannot be read: {error.strerror or error}")
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return NotAFile(path, "not a regular file (a device, pipe or socket, or a link to one): refused, as reading "
                              "it could never end")
    try:
        return png.header(path)
    except DataError as error:
        return error


def headers(paths) -> list:
    """`_header` of every file, read in parallel (33 bytes each)."""
    with ThreadPoolExecutor(max(1, min(8, os.cpu_count() or 1))) as pool:
        return list(pool.map(_header, paths, chunksize=256))


def oddity(found) -> str | None:
    """How a PNG header differs from a 32x32 RGB image the reader takes as is; None when it does not.

    Another size is resized and grey is turned to RGB when the image is read. Transparency
    is not odd (it is composited on the input policy's background). A size the decoder will
    refuse (empty, or over the policy's pixel limit) is left for it to report.
    """
    width, height, channels = found
    notes = []
    if (width, height) != (IMAGE_SIZE, IMAGE_SIZE):
        if not width or not height or width * height > policy.current.max_image_pixels:
            return None
        notes.append(f"{width}x{height}, resized to {IMAGE_SIZE}x{IMAGE_SIZE}")
    if channels in (1, 2):
        notes.append("grey, read as RGB")
    return ", ".join(notes) or None


def _odd(ids, found_headers) -> dict[int, str]:
    return {int(i): why for i, found in zip(ids, found_headers)
            if isinstance(found, tuple) and (why := oddity(found)) is not None}


def read_kaggle_train(root) -> TrainSet:
    """trainLabels.csv sorted by numeric id, each id's train/<id>.png present and a PNG by its header.

    Images of another size or grey ones are read anyway and listed in `odd`.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(root, "data folder not found")
    csv_path = root / TRAIN_CSV
    frame = _table(csv_path, ["id", "label"])
    ids = parse_ids(frame["id"], csv_path)
    labels = _labels(frame, ids, csv_path)
    order = np.argsort(ids, kind="stable")
    ids, labels = ids[order], labels[order]
    image_dir = root / TRAIN_DIR
    present = _listing(image_dir)
    missing = [int(i) for i in ids if f"{i}{EXTENSION}" not in present]
    if missing:
        raise DataError(image_dir, f"{len(missing)} id(s) of {TRAIN_CSV} have no image, e.g. "
                                   f"{[f'{i}{EXTENSION}' for i in missing[:3]]}")
    paths = [image_dir / f"{i}{EXTENSION}" for i in ids]
    found = headers(paths)
    for path, header in zip(paths, found):
        if isinstance(header, DataError):
            raise header
        if header is None:
            raise DataError(path, "not a readable PNG (bad signature or header): corrupt file")
    return TrainSet(ids, paths, labels, csv_path, _odd(ids, found))


def read_kaggle_test(root) -> TestSet:
    """sampleSubmission.csv ids in numeric order, each with test/<id>.png, and no image left over.

    A test image that is missing (up to MISSING_TEST_SHARE of them) or not a readable PNG is
    kept: it gets the fallback prediction and is listed. Other sizes and grey images are
    read anyway and listed in `odd`.
    """
    root = Path(root)
    sample_path = root / SAMPLE_SUBMISSION
    sample = _table(sample_path, ["id", "label"], missing="sample submission not found", exact=True)
    ids = parse_ids(sample["id"], sample_path)
    order = np.argsort(ids, kind="stable")
    ids, sample = ids[order], sample.iloc[order].reset_index(drop=True)
    folder = root / TEST_DIR
    present = {name for name in _listing(folder) if name.endswith(EXTENSION)}
    expected = {f"{i}{EXTENSION}" for i in ids}
    missing = sorted(expected - present, key=lambda n: int(n[:-len(EXTENSION)]))
    if len(missing) > MISSING_TEST_SHARE * len(ids):
        raise DataError(sample_path, f"{len(missing)} of its {len(ids)} id(s) have no image in {folder}, e.g. "
                                     f"{missing[:3]}: the sample submission does not match the test folder")
    extra = sorted(present - expected)
    if extra:
        raise DataError(folder, f"{len(extra)} test image(s) are not in {SAMPLE_SUBMISSION}, e.g. "
                                f"{quoted(extra[:3])}")
    paths = [folder / f"{i}{EXTENSION}" for i in ids]
    found = headers(paths)
    refused = next((header for header in found if isinstance(header, NotAFile)), None)
    if refused is not None:
        raise refused
    return TestSet(ids, paths, sample, sample_path, odd=_odd(ids, found))
