"""Where the reviews are: the popcorn TSVs (plain or zipped) or the aclImdb folders, read and checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from compete.common.io import quoted_tsv
from compete.common.errors import DataError, quoted

LABELED = "labeledTrainData.tsv"
TEST = "testData.tsv"
UNLABELED = "unlabeledTrainData.tsv"
SAMPLE_SUBMISSION = "sampleSubmission.csv"
ACL_FILE = re.compile(r"^(\d+)_(\d+)\.txt$")


@dataclass
class Reviews:
    """Reviews of one file or folder; `labels` is None where sentiment is unknown."""

    ids: list[str]
    texts: list[str]
    labels: np.ndarray | None
    source: Path


@dataclass
class TestSet:
    reviews: Reviews
    sample: pd.DataFrame


def is_acl(root) -> bool:
    return acl_root(root) is not None


def acl_root(root) -> Path | None:
    """The folder holding train/pos and train/neg (the root itself or root/aclImdb), if any."""
    for base in (Path(root), Path(root) / "aclImdb"):
        if (base / "train" / "pos").is_dir() and (base / "train" / "neg").is_dir():
            return base
    return None


def find(root, name: str) -> Path | None:
    """`name` or `name.zip` in `root`, whichever exists (the plain file first); None when neither does.

    Something else under either name (a folder, a broken link) is a DataError, never taken for absent.
    """
    for candidate in (Path(root) / name, Path(root) / f"{name}.zip"):
        if candidate.is_file():
            return candidate
        if candidate.exists() or candidate.is_symlink():
            raise DataError(candidate, "expected a file, found a folder" if candidate.is_dir() else
                            "expected a file, found something else (a broken link?)")
    return None


def _require(root, name: str) -> Path:
    root = Path(root)
    if not root.is_dir():
        raise DataError(root, "data folder not found")
    path = find(root, name)
    if path is None:
        raise DataError(root / name, f"file not found (nor {name}.zip)")
    return path


def _checked(table: quoted_tsv.Table, labeled: bool) -> Reviews:
    path, ids, texts = table.path, table.columns["id"], table.columns["review"]
    if not ids:
        raise DataError(path, "no rows")
    seen: dict[str, int] = {}
    for row, review_id in enumerate(ids):
        if not review_id.strip():
            raise DataError(path, f"{table.where(row)}: empty id")
        if review_id in seen:
            raise DataError(path, f"{table.where(row)}: duplicate id {quoted(review_id)} (first on "
                                  f"{table.where(seen[review_id])})")
        seen[review_id] = row
        if not _visible(texts[row]):
            raise DataError(path, f"{table.where(row)}: empty review for id {quoted(review_id)}")
    labels = None
    if labeled:
        values = table.columns["sentiment"]
        for row, value in enumerate(values):
            if value.strip() not in ("0", "1"):
                raise DataError(path, f"{table.where(row)}: sentiment {quoted(value)} for id {quoted(ids[row])} is "
                                      "not 0 or 1")
        labels = np.array([int(v) for v in values], dtype=np.int64)
        _both_classes(labels, path)
    return Reviews(ids, texts, labels, path)


def _both_classes(labels: np.ndarray, path) -> None:
    """Labeled reviews of one sentiment only are a broken file, whatever is done with them next."""
    present = np.unique(labels)
    if len(present) == 1:
        raise DataError(path, f"the labels are all one class: every one of the {len(labels):,} labeled reviews has "
                              f"sentiment {int(present[0])}; both sentiments (0 and 1) are needed")


def _visible(text: str) -> bool:
    from compete.common.text.clean import strip_html

    return bool(strip_html(text).strip())


def read_labeled(root) -> Reviews:
    """labeledTrainData.tsv(.zip) or aclImdb train/pos + train/neg, with 0/1 sentiment."""
    acl = acl_root(root)
    if acl is not None:
        return _read_acl(acl / "train", ("pos", "neg"))
    return _checked(quoted_tsv.read(_require(root, LABELED), ["id", "sentiment", "review"]), labeled=True)


def read_unlabeled(root) -> Reviews | None:
    """unlabeledTrainData.tsv(.zip) or aclImdb train/unsup; None when the download has none."""
    acl = acl_root(root)
    if acl is not None:
        return _read_acl(acl / "train", ("unsup",)) if (acl / "train" / "unsup").is_dir() else None
    path = find(root, UNLABELED)
    return None if path is None else _checked(quoted_tsv.read(path, ["id", "review"]), labeled=False)


def has_test(root) -> bool:
    acl = acl_root(root)
    return (acl / "test").is_dir() if acl is not None else find(root, TEST) is not None


def read_test(root) -> TestSet:
    """testData.tsv(.zip) with its sample submission (built from the test ids when absent), or aclImdb test/."""
    from compete.common.submission import read_sample
    from compete.competitions.imdb.format import FORMAT

    acl = acl_root(root)
    if acl is not None:
        reviews = _read_acl(acl / "test", ("pos", "neg"))
        return TestSet(reviews, pd.DataFrame({"id": reviews.ids, "sentiment": "0"}))
    reviews = _checked(quoted_tsv.read(_require(root, TEST), ["id", "review"]), labeled=False)
    sample_path = find(root, SAMPLE_SUBMISSION)
    if sample_path is None:
        return TestSet(reviews, pd.DataFrame({"id": reviews.ids, "sentiment": "0"}))
    sample = read_sample(sample_path, FORMAT)
    expected, got = set(sample["id"]), set(reviews.ids)
    if expected != got:
        differences = [f"{len(ids)} {where} (e.g. {quoted(sorted(ids)[:3])})"
                       for ids, where in ((expected - got, "missing from the test file"),
                                          (got - expected, "not in the sample")) if ids]
        raise DataError(sample_path, f"ids differ from {reviews.source.name}: " + ", ".join(differences))
    return TestSet(reviews, sample)


def _read_acl(folder: Path, kinds) -> Reviews:
    """aclImdb files `<n>_<rating>.txt`; ids are `<kind>/<n>_<rating>` (pos/neg/unsup restart numbering)."""
    ids, texts, labels = [], [], []
    for kind in kinds:
        directory = folder / kind
        if not directory.is_dir():
            raise DataError(directory, "aclImdb folder not found")
        names = sorted(p.name for p in directory.iterdir() if p.suffix == ".txt")
        if not names:
            raise DataError(directory, "no .txt reviews")
        for name in names:
            path = directory / name
            if not ACL_FILE.match(name):
                raise DataError(path, "file name is not <n>_<rating>.txt")
            text = quoted_tsv.decode(quoted_tsv.read_bytes(path), path)
            if not _visible(text):
                raise DataError(path, "empty review")
            ids.append(f"{kind}/{name[:-4]}")
            texts.append(text)
            labels.append(1 if kind == "pos" else 0)
    has_labels = all(k in ("pos", "neg") for k in kinds)
    return Reviews(ids, texts, np.array(labels, dtype=np.int64) if has_labels else None, folder)
