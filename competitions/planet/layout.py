"""Where things are in the Kaggle Planet download, read and checked with file-naming errors."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from compete.common.data.labels import MultiLabelVocabulary
from compete.common.errors import DataError, quoted, require_columns
from compete.common.io.paths import check_files
from compete.common.io.tables import read_csv
from compete.competitions.planet.tags import TAGS

TRAIN_CSV = "train_v2.csv"
TRAIN_DIR = "train-jpg"
TEST_DIRS = ("test-jpg", "test-jpg-additional")
SAMPLE_SUBMISSION = "sample_submission_v2.csv"
EXTENSION = ".jpg"
VOCABULARY = MultiLabelVocabulary(TAGS)


@dataclass
class TrainSet:
    ids: list[str]
    paths: list[Path]
    labels: np.ndarray


@dataclass
class TestSet:
    sample: pd.DataFrame
    ids: list[str]
    paths: list[Path]


def read_train(root) -> TrainSet:
    """train_v2.csv rows with their image paths and a (n, 17) binary label matrix."""
    root = Path(root)
    csv_path = root / TRAIN_CSV
    if not root.is_dir():
        raise DataError(root, "data folder not found")
    frame = read_csv(csv_path, missing="file not found (expected the Kaggle train_v2.csv)")
    require_columns(frame.columns, ["image_name", "tags"], csv_path)
    if frame.empty:
        raise DataError(csv_path, "no rows")
    ids = frame["image_name"].tolist()
    _check_names(ids, csv_path)
    duplicated = frame["image_name"][frame["image_name"].duplicated()]
    if len(duplicated):
        raise DataError(csv_path, f"duplicate image_name(s), e.g. {quoted(list(duplicated[:3]))}")
    empty = frame.index[frame["tags"].str.strip() == ""]
    if len(empty):
        raise DataError(csv_path, f"{len(empty)} row(s) without tags, e.g. {quoted(ids[empty[0]])} "
                                  f"(line {empty[0] + 2})")
    _check_tags(ids, frame["tags"].tolist(), csv_path)
    labels = VOCABULARY.encode(frame["tags"], source=csv_path)
    image_dir = root / TRAIN_DIR
    if not image_dir.is_dir():
        raise DataError(image_dir, "training image folder not found")
    paths = [image_dir / f"{i}{EXTENSION}" for i in ids]
    check_files(paths, "training image", source=image_dir)
    return TrainSet(ids, paths, labels)


def _check_names(ids, csv_path) -> None:
    """Each image_name names one file in the image folder: not empty, no folder separators, not too long."""
    for n, name in enumerate(ids):
        bad = ("is empty" if not name.strip() else
               "is not a plain file name" if any(c in name for c in "/\\\0") or name in (".", "..") else
               "is too long for a file name" if len(name.encode("utf-8", "surrogatepass")) > 250 else None)
        if bad:
            raise DataError(csv_path, f"line {n + 2}: image_name {quoted(name)} {bad}")


def _check_tags(ids, tags, csv_path) -> None:
    """Every tag is one of the 17; an unknown one is named (capped) with its row and, when close, the tag meant."""
    import difflib

    known = set(TAGS)
    for n, (name, row) in enumerate(zip(ids, tags)):
        for tag in row.split(" "):
            if tag and tag not in known:
                near = difflib.get_close_matches(tag, TAGS, 1) if len(tag) <= 40 else []
                hint = (f"; did you mean {near[0]!r}?" if near else
                        f"; known tags: {', '.join(TAGS)}" if len(tag) <= 40 else " (not a Planet tag)")
                raise DataError(csv_path, f"{quoted(name)} (line {n + 2}): unknown tag {quoted(tag)}{hint}")


def _not_special(path: Path) -> None:
    """Refuse a device, pipe or socket under an image name: reading one could block or never end. (A folder or
    a broken link is only an unreadable image, listed by `check` and given the training prior.)"""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise DataError(path, "not a regular file (a device, pipe or socket): remove it from the download")


def read_test(root) -> TestSet:
    """Test rows in sample-submission order, each found in one of the two test folders."""
    from compete.common.submission import read_sample
    from compete.competitions.planet.format import FORMAT

    root = Path(root)
    sample_path = root / SAMPLE_SUBMISSION
    sample = read_sample(sample_path, FORMAT)
    located: dict[str, Path] = {}
    for name in TEST_DIRS:
        folder = root / name
        if not folder.is_dir():
            raise DataError(folder, "test image folder not found")
        files = sorted(f for f in os.listdir(folder) if f.endswith(EXTENSION))
        if not files:
            raise DataError(folder, f"test image folder is empty (no {EXTENSION} files)")
        for file in files:
            _not_special(folder / file)
            stem = file[: -len(EXTENSION)]
            if stem in located:
                raise DataError(folder / file, f"also in {located[stem].parent.name}: each test image must be in one "
                                               "test folder only")
            located[stem] = folder / file
    ids = sample["image_name"].tolist()
    missing = [i for i in ids if i not in located]
    if missing:
        raise DataError(sample_path, f"{len(missing)} id(s) have no image in {' or '.join(TEST_DIRS)}, "
                                     f"e.g. {quoted(missing[:3])}: the sample submission does not match the test "
                                     "folders")
    extra = sorted(set(located) - set(ids))
    if extra:
        raise DataError(sample_path, f"{len(extra)} test image(s) are not in the sample submission, e.g. "
                                     f"{quoted([located[i].name for i in extra[:3]])}: the sample submission does not "
                                     "match the test folders")
    return TestSet(sample, ids, [located[i] for i in ids])
