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


def save(folder, assembly: Assembly, train: Split, test: Split | None, folds: dict, prefix: str = "",
         names=None) -> None:
    """`oof.npz` (ids, seed-averaged and per-seed OOF, fold columns, the training targets) with `oof.csv` beside
    it, and `test.npz` (ids, predictions). `names` name the prediction outputs (classes, tags); they are kept in
    `oof.npz` and head the CSV's columns. The targets and names let a report score the run from its folder alone."""
    folder = Path(folder)
    save_oof(folder / f"{prefix}oof.npz", train.ids, assembly.oof_by_seed, assembly.seeds, folds, names,
             targets=train.targets)
    if assembly.test is not None and test is not None:
        save_npz(folder / f"{prefix}test.npz", ids=test.ids, pred=assembly.test,
                 failed=np.isin(test.ids, assembly.failed_test))


def save_oof(path, ids, oof_by_seed, seeds, folds: dict, names=None, targets=None, **extra) -> None:
    """An OOF array as `<name>.npz` (ids, `oof` averaged over seeds, `oof_by_seed`, `seeds`, `folds`, `names` and
    `targets` when given, and any `extra` arrays) and `<name>.csv` beside it (see `write_oof_csv`).

    Args:
        path: the .npz file to write.
        ids: one id per training row.
        oof_by_seed: (n_seeds, n_rows, ...) predictions, NaN where a row is in no validation fold of that seed.
        seeds: the seeds of the first axis.
        folds: seed -> fold column (one fold per row, -1 for rows never validated on).
        names: one name per prediction output (default p0, p1, ... in the CSV).
        targets: the true label of each row (class index, one-hot or multi-hot row, 0/1), as trained on.
    """
    oof_by_seed = np.asarray(oof_by_seed)
    seeds = [int(s) for s in seeds]
    columns = np.stack([np.asarray(folds[s]) for s in seeds])
    known = {"names": None if names is None else np.asarray([str(n) for n in names]), "targets": targets}
    save_npz(path, ids=np.asarray([str(i) for i in ids]), oof=np.mean(oof_by_seed, axis=0), oof_by_seed=oof_by_seed,
             seeds=np.array(seeds), folds=columns, **{k: v for k, v in known.items() if v is not None}, **extra)
    write_oof_csv(Path(path).with_suffix(".csv"), ids, oof_by_seed, seeds, columns, names)


def write_oof_csv(path, ids, oof_by_seed, seeds, folds, names=None) -> None:
    """`id,fold,seed,<one column per output>`: one row per (seed, id), seed by seed, for stacking outside compete.

    `folds` is (n_seeds, n_rows); a row no fold of its seed validated (a holdout's training rows) has fold -1
    and empty predictions.
    """
    import pandas as pd

    oof_by_seed = np.asarray(oof_by_seed)
    n_seeds, n_rows = oof_by_seed.shape[:2]
    flat = oof_by_seed.reshape(n_seeds * n_rows, -1)
    names = [str(n) for n in names] if names is not None else []
    if len(names) != flat.shape[1]:
        names = [f"p{k}" for k in range(flat.shape[1])]
    taken = {"id", "fold", "seed"}
    names = [f"p_{n}" if n in taken else n for n in names]  # an output named like a key column keeps both
    frame = pd.DataFrame({"id": np.tile(np.asarray([str(i) for i in ids]), n_seeds),
                          "fold": np.asarray(folds, np.int64).reshape(-1),
                          "seed": np.repeat(np.asarray(seeds, np.int64), n_rows)})
    frame = pd.concat([frame, pd.DataFrame(flat, columns=names)], axis=1)
    atomic.write_csv(path, frame)


def write_outputs(run, settings: dict, scores: dict, **extra_json) -> None:
    """scores.json, any extra JSON files, and config.json last: the settings behind these outputs."""
    atomic.write_json(run.path / "scores.json", scores)
    for name, value in extra_json.items():
        atomic.write_json(run.path / f"{name}.json", value)
    run.write_config(settings)


SUBMISSION = "submission.json"


def record_submission(folder, path, rows: int) -> None:
    """`submission.json`: where the run's latest submission was written (absolute) and its rows, for its report."""
    atomic.write_json(Path(folder) / SUBMISSION, {"path": str(Path(path).resolve()), "rows": int(rows)})
