"""The assembled outputs of a run, each stored with the ids its rows belong to."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from compete.common.io import atomic
from compete.common.runs.engine import Assembly, Split


def save_npz(path, **arrays) -> None:
    """Atomically save named arrays (strings as unicode, so they load without pickle)."""
    with atomic.atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **{k: np.asarray(v) for k, v in arrays.items()})


def load_npz(path) -> dict:
    with np.load(path, allow_pickle=False) as saved:
        return {k: saved[k] for k in saved.files}


def save(folder, assembly: Assembly, train: Split, test: Split | None, folds: dict, prefix: str = "") -> None:
    """`oof.npz` (ids, seed-averaged and per-seed OOF, fold columns) and `test.npz` (ids, predictions)."""
    folder = Path(folder)
    save_npz(folder / f"{prefix}oof.npz", ids=train.ids, oof=assembly.oof, oof_by_seed=assembly.oof_by_seed,
             seeds=np.array(assembly.seeds), folds=np.stack([folds[s] for s in assembly.seeds]))
    if assembly.test is not None and test is not None:
        save_npz(folder / f"{prefix}test.npz", ids=test.ids, pred=assembly.test,
                 failed=np.isin(test.ids, assembly.failed_test))


def write_outputs(run, settings: dict, scores: dict, **extra_json) -> None:
    """scores.json, any extra JSON files, and config.json last: the settings behind these outputs."""
    atomic.write_json(run.path / "scores.json", scores)
    for name, value in extra_json.items():
        atomic.write_json(run.path / f"{name}.json", value)
    run.write_config(settings)
