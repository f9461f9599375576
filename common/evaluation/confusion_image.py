"""A confusion-matrix picture (rows true, columns predicted, row-share shading, counts in the cells), written
atomically; drawn with matplotlib and the report's bundled font, so class names may be Hangul."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from compete.common.io.atomic import atomic_path


def draw(matrix: np.ndarray, labels, path, title: str = "") -> Path:
    """PNG of `matrix` at `path`, one label per class (any script)."""
    from compete.common.reports import confusion

    png = confusion.png(np.asarray(matrix), list(labels), title)
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(png)
    return Path(path)
