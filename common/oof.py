"""Out-of-fold predictions for any fit/predict model, resumable per fold.

Each fold's directory gets `valid.npy` (its held-out rows), `test.npy` and `done.json`
last; a rerun skips finished folds (and redoes one
that ran without test data when test data is now given). The model's `oof.npy` and fold-averaged `test.npy`
are written once every fold is done.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from common import atomic


@dataclass
class OOFResult:
    oof: np.ndarray
    test: np.ndarray | None
    fold_scores: list[float]
    seconds: float


def run(out_dir, make_model: Callable[[], object], X, y, folds: np.ndarray, X_test=None,
        score: Callable | None = None, name: str = "model", log=print) -> OOFResult:
    """Per fold: fit `make_model()` on the other folds' rows, predict the fold's rows and the test rows.

    `X`/`X_test` are lists of texts (or anything indexable by row lists); predictions are
    P(class 1) from `predict_proba`. Test predictions are the mean over the fold models.
    """
    out_dir = Path(out_dir)
    y = np.asarray(y)
    oof = np.full(len(y), np.nan, dtype=np.float64)
    test_parts, fold_scores, seconds = [], [], 0.0
    for fold in range(int(folds.max()) + 1):
        unit = out_dir / f"fold{fold}"
        valid_rows = np.flatnonzero(folds == fold)
        if (unit / "done.json").exists() and (X_test is None or (unit / "test.npy").exists()):
            done = atomic.read_json(unit / "done.json")
            oof[valid_rows] = np.load(unit / "valid.npy")
            log(f"  {name} fold {fold}: already done (score {done.get('score', float('nan')):.4f})")
        else:
            started = time.time()
            train_rows = np.flatnonzero(folds != fold)
            model = make_model().fit(_take(X, train_rows), y[train_rows])
            oof[valid_rows] = _positive(model.predict_proba(_take(X, valid_rows)))
            atomic.save_npy(unit / "valid.npy", oof[valid_rows])
            if X_test is not None:
                atomic.save_npy(unit / "test.npy", _positive(model.predict_proba(X_test)))
            done = {"score": None if score is None else float(score(y[valid_rows], oof[valid_rows])),
                    "seconds": round(time.time() - started, 1), "train_rows": len(train_rows), "valid_rows": len(valid_rows)}
            atomic.write_json(unit / "done.json", done)
            log(f"  {name} fold {fold}: score {done['score']:.4f} in {done['seconds']:.0f}s")
        fold_scores.append(done["score"])
        seconds += done["seconds"]
        if X_test is not None:
            test_parts.append(np.load(unit / "test.npy"))
    test = np.mean(test_parts, axis=0) if test_parts else None
    atomic.save_npy(out_dir / "oof.npy", oof)
    if test is not None:
        atomic.save_npy(out_dir / "test.npy", test)
    return OOFResult(oof, test, fold_scores, seconds)


def _take(X, rows):
    if isinstance(X, np.ndarray):
        return X[rows]
    return [X[i] for i in rows]


def _positive(proba) -> np.ndarray:
    proba = np.asarray(proba, dtype=np.float64)
    return proba[:, 1] if proba.ndim == 2 else proba.ravel()
