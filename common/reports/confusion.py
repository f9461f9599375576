"""Confusion matrices of single-label OOF predictions: rows true, columns predicted, any class names (Hangul too)."""

from __future__ import annotations

import numpy as np

from compete.common.evaluation.metrics import confusion_matrix
from compete.common.reports import html, plots
from compete.common.reports.html import Section


def class_indices(targets) -> np.ndarray:
    """Class index per row, from indices or one-hot rows."""
    targets = np.asarray(targets)
    return targets.argmax(axis=1) if targets.ndim == 2 else targets.astype(np.int64)


def draw(figure, matrix, labels, title: str = "") -> None:
    """Each cell shaded by its share of the true class's row, with its count written in."""
    matrix = np.asarray(matrix)
    k = len(matrix)
    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros(matrix.shape), where=rows > 0)
    ax = figure.subplots()
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(k), [str(n) for n in labels], rotation=60, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(k), [str(n) for n in labels])
    size = max(6, min(10, 150 // max(k, 1)))
    for i, j in zip(*np.nonzero(matrix)):
        ax.text(j, i, str(int(matrix[i, j])), ha="center", va="center", fontsize=size,
                color="white" if share[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title or "rows: true class, columns: predicted")
    ax.grid(False)


def png(matrix, labels, title: str = "") -> bytes:
    side = 2.2 + 0.32 * len(labels)
    return plots.render(lambda figure: draw(figure, matrix, labels, title), side + 0.5, side)


def section(folder, title: str) -> Section:
    """The OOF argmax against the stored targets, on the rows every seed validated on."""
    oof = folder.oof()
    if oof is None or oof.targets is None:
        return Section(title, [html.note("oof.npz holds no targets (a run assembled before they were stored): "
                                         "assemble the run again to draw its confusion matrix")])
    rows = oof.scored
    truth, pred = class_indices(oof.targets)[rows], oof.pred[rows].argmax(axis=1)
    k = oof.pred.shape[1]
    names = oof.names or [f"class {c}" for c in range(k)]
    matrix = confusion_matrix(truth, pred, k)
    accuracy = float(np.trace(matrix) / max(1, matrix.sum()))
    parts = [] if oof.names else [html.note("oof.npz names no classes: the run was assembled without them")]
    parts.append(html.image(png(matrix, names, f"OOF confusion, accuracy {accuracy:.4f} ({rows.sum():,} rows)"),
                            f"OOF argmax (seed-averaged predictions) against the true class, {rows.sum():,} rows; "
                            "shading: share of the true class's row, numbers: counts"))
    return Section(title, parts)
