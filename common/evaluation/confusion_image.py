"""A confusion-matrix picture drawn with cv2 (row-normalised shading, counts in the cells), written atomically."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from compete.common.io.atomic import atomic_path


def draw(matrix: np.ndarray, labels, path, cell: int = 28, title: str = "") -> Path:
    """PNG of `matrix` (rows true, columns predicted); `labels` should be ASCII (cv2 fonts have no Hangul)."""
    matrix = np.asarray(matrix)
    k = len(matrix)
    margin = 150
    size = (margin + k * cell + 10, margin + k * cell + 10)
    image = np.full(size + (3,), 255, np.uint8)
    rows = matrix.sum(1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros(matrix.shape, np.float64), where=rows > 0)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for i in range(k):
        for j in range(k):
            y, x = margin + i * cell, margin + j * cell
            shade = int(255 * (1 - share[i, j]))
            colour = (shade, shade, 255) if i != j else (shade, 255, shade)
            cv2.rectangle(image, (x, y), (x + cell, y + cell), colour, -1)
            if matrix[i, j]:
                dark = share[i, j] > 0.5
                cv2.putText(image, str(int(matrix[i, j])), (x + 2, y + cell // 2 + 4), font, 0.3,
                            (255, 255, 255) if dark and i == j else (0, 0, 0), 1, cv2.LINE_AA)
        cv2.putText(image, _ascii(labels[i])[:18], (4, margin + i * cell + cell // 2 + 4), font, 0.35, (0, 0, 0), 1, cv2.LINE_AA)
    strip = np.full((k * cell, margin - 20, 3), 255, np.uint8)
    for j in range(k):
        cv2.putText(strip, _ascii(labels[j])[:18], (4, j * cell + cell // 2 + 4), font, 0.35, (0, 0, 0), 1, cv2.LINE_AA)
    image[20:margin, margin:margin + k * cell] = cv2.rotate(strip, cv2.ROTATE_90_COUNTERCLOCKWISE)
    cv2.putText(image, _ascii(title or "rows: true class, columns: predicted"), (4, 14), font, 0.4, (0, 0, 0), 1,
                cv2.LINE_AA)
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"cv2 could not encode the confusion matrix for {path}")
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(encoded.tobytes())
    return Path(path)


def _ascii(text) -> str:
    return str(text).encode("ascii", "replace").decode("ascii")
