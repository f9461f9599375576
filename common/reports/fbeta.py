"""Multi-label thresholds: each class's own F-beta as its threshold sweeps, with the threshold the run chose."""

from __future__ import annotations

import numpy as np

GRID = np.round(np.arange(0.01, 1.0, 0.01), 2)


def curves(y, p, beta: float, grid=GRID) -> np.ndarray:
    """(n_classes, len(grid)) F-beta of each class's column decided at each threshold (0 where it is undefined)."""
    y, p, grid = np.asarray(y).astype(bool), np.asarray(p, np.float64), np.asarray(grid, np.float64)
    b2 = beta * beta
    out = np.zeros((y.shape[1], len(grid)))
    for k in range(y.shape[1]):
        positive, negative = np.sort(p[y[:, k], k]), np.sort(p[~y[:, k], k])
        tp = len(positive) - np.searchsorted(positive, grid, side="left")
        fp = len(negative) - np.searchsorted(negative, grid, side="left")
        denominator = (1 + b2) * tp + b2 * (len(positive) - tp) + fp
        np.divide((1 + b2) * tp, denominator, out=out[k], where=denominator > 0)
    return out


def value_at(curve, threshold: float, grid=GRID) -> float:
    """A curve's value at the grid point nearest `threshold`."""
    return float(curve[int(np.argmin(np.abs(np.asarray(grid) - threshold)))])


def draw(figure, scores, names, chosen, positives, beta: float, grid=GRID, columns: int = 5) -> None:
    """A small plot per class: F-beta against the threshold, the chosen threshold as a red line and dot."""
    rows = -(-len(names) // columns)
    axes = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False).ravel()
    for ax, name, curve, t, n in zip(axes, names, scores, chosen, positives):
        ax.plot(grid, curve, lw=1.2)
        at = value_at(curve, t, grid)
        ax.axvline(t, color="tab:red", ls="--", lw=0.9)
        ax.plot([t], [at], "o", color="tab:red", ms=3)
        ax.set_title(f"{name} (n+={n})", fontsize=8)
        ax.text(0.97, 0.05, f"t={t:.2f}  F{beta:g}={at:.2f}", transform=ax.transAxes, ha="right", fontsize=7)
        ax.set_ylim(0, 1.02)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    for column in range(min(columns, len(names))):
        lowest = axes[column + columns * ((len(names) - 1 - column) // columns)]
        lowest.tick_params(labelbottom=True)
        lowest.set_xlabel("threshold")
    for ax in axes[::columns]:
        ax.set_ylabel(f"F{beta:g}")
    inches = figure.get_size_inches()
    figure.subplots_adjust(left=0.55 / inches[0], right=1 - 0.1 / inches[0], bottom=0.45 / inches[1],
                           top=1 - 0.3 / inches[1], wspace=0.08, hspace=0.35)
