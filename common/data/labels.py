"""Label strings to arrays and back, against a fixed vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from compete.common.errors import DataError, quoted


@dataclass(frozen=True)
class MultiLabelVocabulary:
    """Space-separated tag strings <-> a binary (n, len(tags)) matrix.

    Example:
        >>> vocab = MultiLabelVocabulary(("clear", "primary", "road"))
        >>> vocab.encode(["primary clear"]).tolist()
        [[1, 1, 0]]
        >>> vocab.decode(np.array([[1, 0, 1]]))
        ['clear road']
    """

    tags: tuple[str, ...]
    separator: str = " "

    def __post_init__(self):
        if len(set(self.tags)) != len(self.tags):
            raise ValueError(f"duplicate tags in vocabulary {self.tags}")

    @property
    def index(self) -> dict[str, int]:
        return {tag: i for i, tag in enumerate(self.tags)}

    def __len__(self) -> int:
        return len(self.tags)

    def encode(self, rows: Iterable[str], source=None, row_names: Sequence[str] | None = None) -> np.ndarray:
        """Encode tag strings; an unknown tag raises DataError naming `source` and the row."""
        rows = list(rows)
        index = self.index
        out = np.zeros((len(rows), len(self.tags)), dtype=np.uint8)
        for i, row in enumerate(rows):
            if not isinstance(row, str):
                where = row_names[i] if row_names is not None else f"row {i + 1}"
                raise DataError(source, f"{where}: tags are missing")
            for tag in row.split(self.separator) if row.strip() else []:
                if not tag:
                    continue
                j = index.get(tag)
                if j is None:
                    where = row_names[i] if row_names is not None else f"row {i + 1}"
                    raise DataError(source, f"{quoted(where)[1:-1]}: unknown tag {quoted(tag)}; known tags: "
                                            f"{', '.join(self.tags)}")
                out[i, j] = 1
        return out

    def decode(self, matrix: np.ndarray) -> list[str]:
        """Binary matrix to tag strings, tags in vocabulary order."""
        matrix = np.asarray(matrix).astype(bool)
        if matrix.ndim != 2 or matrix.shape[1] != len(self.tags):
            raise ValueError(f"expected shape (n, {len(self.tags)}), got {matrix.shape}")
        names = np.array(self.tags, dtype=object)
        return [self.separator.join(names[row]) for row in matrix]


@dataclass(frozen=True)
class ClassVocabulary:
    """Class names <-> integer ids for single-label tasks."""

    classes: tuple[str, ...]

    def __post_init__(self):
        if len(set(self.classes)) != len(self.classes):
            raise ValueError(f"duplicate classes in vocabulary {self.classes}")

    def __len__(self) -> int:
        return len(self.classes)

    def encode(self, names: Iterable[str], source=None, row_names: Sequence[str] | None = None) -> np.ndarray:
        index = {name: i for i, name in enumerate(self.classes)}
        out = []
        for i, name in enumerate(names):
            if name not in index:
                where = row_names[i] if row_names is not None else f"row {i + 1}"
                raise DataError(source, f"{quoted(where)[1:-1]}: unknown class {quoted(name)}; known classes: "
                                        f"{quoted(', '.join(map(str, self.classes)), 400)[1:-1]}")
            out.append(index[name])
        return np.asarray(out, dtype=np.int64)

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.classes[int(i)] for i in ids]
