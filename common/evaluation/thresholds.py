"""Decision thresholds tuned on out-of-fold probabilities to maximise mean per-sample F-beta.

`forced` lets a competition rule fix some decisions (1 = on, 0 = off, -1 = free):
the tuner then optimises the thresholds of what the rule leaves free, so tuning
and submission score the same decision function.
"""

from __future__ import annotations

import numpy as np

from compete.common.evaluation.metrics import _fbeta_from_counts, fbeta_per_sample

DEFAULT_GRID = np.round(np.arange(0.01, 1.0, 0.01), 2)


def apply(probs: np.ndarray, thresholds, forced: np.ndarray | None = None) -> np.ndarray:
    """Binary decisions: probs >= thresholds (scalar or one per class), then forced cells."""
    decisions = np.asarray(probs) >= np.asarray(thresholds, dtype=np.float64)
    if forced is not None:
        decisions = np.where(forced >= 0, forced == 1, decisions)
    return decisions.astype(np.uint8)


def tune_global(y_true, probs, beta: float = 2.0, grid=DEFAULT_GRID, forced=None) -> tuple[float, float]:
    """The single threshold on `grid` with the best mean F-beta; returns (threshold, score).

    Each free cell is binned by how many grid values it reaches; per-row cumulative
    counts then give every row's TP/FP at every grid value without re-thresholding.
    """
    y_true = np.asarray(y_true, dtype=bool)
    probs = np.asarray(probs, dtype=np.float64)
    grid = np.asarray(grid, dtype=np.float64)
    n, n_grid = len(probs), len(grid)
    free = np.ones(probs.shape, bool) if forced is None else forced < 0
    fixed_on = np.zeros(probs.shape, bool) if forced is None else forced == 1
    bins = np.searchsorted(grid, probs, side="right") + (n_grid + 1) * np.arange(n)[:, None]
    size = n * (n_grid + 1)
    hits = np.bincount(bins[free & y_true], minlength=size).reshape(n, n_grid + 1)
    false_hits = np.bincount(bins[free & ~y_true], minlength=size).reshape(n, n_grid + 1)
    # A cell is on at grid[g] when its bin is above g: reverse cumulative sums over bins.
    tp = np.cumsum(hits[:, ::-1], axis=1)[:, ::-1][:, 1:] + np.sum(fixed_on & y_true, axis=1)[:, None]
    fp = np.cumsum(false_hits[:, ::-1], axis=1)[:, ::-1][:, 1:] + np.sum(fixed_on & ~y_true, axis=1)[:, None]
    fn = y_true.sum(axis=1)[:, None] - tp
    scores = _fbeta_from_counts(tp.astype(np.float64), fp.astype(np.float64), fn.astype(np.float64), beta, 0.0).mean(axis=0)
    best = int(np.argmax(scores))
    return float(grid[best]), float(scores[best])


def tune_per_class(y_true, probs, beta: float = 2.0, grid=DEFAULT_GRID, passes: int = 3, forced=None,
                   init: float | None = None) -> tuple[np.ndarray, float]:
    """Coordinate ascent over classes; returns (thresholds, mean F-beta).

    Changing one class's threshold changes each row's F-beta between two values
    (that class on or off), so a class's whole grid is scored with one sort and
    one cumulative sum: 40,479 x 17 tunes in well under a second.
    """
    y_true = np.asarray(y_true, dtype=bool)
    probs = np.asarray(probs, dtype=np.float64)
    grid = np.asarray(grid, dtype=np.float64)
    n, n_classes = probs.shape
    if init is None:
        init = tune_global(y_true, probs, beta, grid, forced)[0]
    thresholds = np.full(n_classes, float(init))
    decisions = apply(probs, thresholds, forced).astype(bool)
    tp = np.sum(y_true & decisions, axis=1, dtype=np.float64)
    fp = np.sum(~y_true & decisions, axis=1, dtype=np.float64)
    fn = np.sum(y_true & ~decisions, axis=1, dtype=np.float64)
    free = np.ones_like(decisions) if forced is None else forced < 0

    for _ in range(passes):
        changed = False
        for j in range(n_classes):
            if not free[:, j].any():
                continue
            yj, dj = y_true[:, j], decisions[:, j]
            tp0, fp0, fn0 = tp - (yj & dj), fp - (~yj & dj), fn - (yj & ~dj)
            f_on = _fbeta_from_counts(tp0 + yj, fp0 + ~yj, fn0, beta, 0.0)
            f_off = _fbeta_from_counts(tp0, fp0, fn0 + yj, beta, 0.0)
            fixed_on = ~free[:, j] & dj
            base = np.where(fixed_on, f_on, f_off).sum()
            gain = np.where(free[:, j], f_on - f_off, 0.0)
            order = np.argsort(-probs[:, j], kind="stable")
            cumulative = np.concatenate([[0.0], np.cumsum(gain[order])])
            # Rows with p >= t are those before the first sorted p < t.
            count_on = np.searchsorted(-probs[order, j], -grid, side="right")
            totals = base + cumulative[count_on]
            best = int(np.argmax(totals))
            current = base + cumulative[np.searchsorted(-probs[order, j], -thresholds[j], side="right")]
            if totals[best] > current + 1e-12:
                thresholds[j] = grid[best]
                changed = True
                new = np.where(free[:, j], probs[:, j] >= grid[best], dj)
                tp, fp, fn = tp0 + (yj & new), fp0 + (~yj & new), fn0 + (yj & ~new)
                decisions[:, j] = new
        if not changed:
            break
    score = float(np.mean(_fbeta_from_counts(tp, fp, fn, beta, 0.0)))
    return thresholds, score
