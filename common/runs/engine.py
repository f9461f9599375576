"""The run engine: a run is a set of units, each keyed by the data it was trained on and its settings.

A unit, (seed, fold), trains one model on its rows, predicts its validation rows and the
test rows, and saves each prediction array with the ids (and content hashes) of its rows.
A holdout is just a fold column with one fold. The engine trains the units that are not
done, re-predicts from a saved model when only the rows to predict or the prediction
settings changed, and assembles OOF per seed and test averaged over units, joined by id.

Models come in through the small `FoldModel` protocol, so Keras image models and
scikit-learn or Keras text models run the same way.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from compete.common import interrupts
from compete.common.io import atomic
from compete.common.logs import logger
from compete.common.runs.fingerprint import digest
from compete.common.runs.lock import FileLock
from compete.common.runs.run import Run

UNIT_FILE = "unit.json"


@dataclass(frozen=True, order=True)
class Unit:
    """One model of a run: trained on the rows of `seed`'s fold column outside `fold`."""

    seed: int
    fold: int

    @property
    def name(self) -> str:
        return f"seed{self.seed}/fold{self.fold}"

    @property
    def training_seed(self) -> int:
        """The random seed of this unit's training (weights, shuffling, augmentation)."""
        return self.seed * 1000 + self.fold

    @classmethod
    def parse(cls, text: str) -> "Unit":
        match = re.fullmatch(r"seed(\d+)/fold(\d+)", str(text).strip())
        if not match:
            raise ValueError(f"unit {text!r} must look like seed0/fold3")
        return cls(int(match.group(1)), int(match.group(2)))


@dataclass
class Split:
    """Rows as the engine sees them.

    Args:
        ids: one unique id per row.
        inputs: what the model reads, indexable by row (paths, an image array, texts).
        targets: one target per row, or None (test rows).
        content: a hash of each row's input (see `fingerprint`), so changed files count as changed data.
    """

    ids: np.ndarray
    inputs: Any
    targets: np.ndarray | None
    content: np.ndarray

    def __post_init__(self):
        self.ids = np.asarray([str(i) for i in self.ids])
        self.content = np.asarray(self.content).astype(str)
        if len(self.content) != len(self.ids) or (self.targets is not None and len(self.targets) != len(self.ids)):
            raise ValueError("ids, content and targets must have one entry per row")
        if len(np.unique(self.ids)) != len(self.ids):
            raise ValueError("row ids must be unique")

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows):
        """The inputs of `rows`, in that order."""
        if isinstance(self.inputs, np.ndarray):
            return self.inputs[rows]
        return [self.inputs[i] for i in rows]


class FoldModel(Protocol):
    """What the engine needs of a model recipe.

    `uses_validation` says whether fitting looks at the validation rows (early stopping,
    best-epoch weights); if not, their labels are not part of the unit's identity.
    """

    uses_validation: bool

    def settings(self) -> dict:
        """Everything a trained model depends on besides its rows (JSON-able)."""

    def prediction_settings(self) -> dict:
        """Everything a prediction depends on besides the model and the row (TTA views, image size)."""

    def fit(self, data: Split, train_rows: np.ndarray, valid_rows: np.ndarray, seed: int, workdir: Path
            ) -> tuple[Any, dict]:
        """Train on `train_rows` of `data`; returns the model and a JSON-able summary (best epoch...)."""

    def predict(self, model, data: Split, rows: np.ndarray) -> tuple[np.ndarray, list[int]]:
        """Predictions for `rows`, and the positions (within `rows`) of inputs that could not be read."""

    def save(self, model, workdir: Path) -> None:
        """Write the model into `workdir`, atomically."""

    def load(self, workdir: Path):
        """Read back what `save` wrote."""


class Incomplete(Exception):
    """Some units are not done; the message names them."""

    def __init__(self, missing: list[Unit], hint: str = ""):
        self.missing = missing
        names = ", ".join(u.name for u in missing[:12]) + (" ..." if len(missing) > 12 else "")
        super().__init__(f"{len(missing)} unit(s) not done: {names}" + (f"; {hint}" if hint else ""))


@dataclass
class Assembly:
    """What the finished units add up to.

    Args:
        units: one summary per unit (seed, fold, rows, the fit's summary, seconds).
        oof_by_seed: (n_seeds, n_train, ...) validation predictions; NaN where a row is in no
            validation fold of that seed (a holdout's training rows).
        test: the test predictions averaged over every unit, rows in the test split's order.
        failed_test: ids of test rows some unit could not read (they got the fallback).
    """

    seeds: list[int]
    units: list[dict]
    oof_by_seed: np.ndarray
    test: np.ndarray | None
    failed_test: list[str]

    @property
    def scored(self) -> np.ndarray:
        """Rows that have an OOF prediction in every seed."""
        axes = tuple(range(2, self.oof_by_seed.ndim))
        return ~np.isnan(self.oof_by_seed).any(axis=(0, *axes))

    @property
    def oof(self) -> np.ndarray:
        """OOF predictions averaged over seeds (the seed ensemble)."""
        return np.mean(self.oof_by_seed, axis=0)

    def score_units(self, folds: dict, score: Callable, name: str = "score") -> list[dict]:
        """Each unit's summary plus `name`: `score(rows, predictions)` on that unit's own validation rows
        (`rows` is a boolean mask over the training rows, so the caller picks its labels with it)."""
        scored = []
        for unit in self.units:
            rows = folds[unit["seed"]] == unit["fold"]
            scored.append({**unit, name: score(rows, self.oof_by_seed[self.seeds.index(unit["seed"])][rows])})
        return scored


class Engine:
    """Trains, refreshes and assembles the units of one model over one run.

    Args:
        run: the run folder (its lock is held by the caller for whole-run commands).
        model: the fold model.
        train: the training rows.
        test: the test rows, or None.
        folds: seed -> fold column (one fold id per training row, -1 for rows never validated on).
        root: where the units live (default: the run folder; IMDB keeps one root per model).
        label: a name for messages ("tfidf_lr").
        transform: `(valid_pred, test_pred or None) -> (valid_pred, test_pred)`, applied to each unit's
            predictions as they are assembled, fit on that unit's outputs alone (IMDB standardises each
            fold model's logits this way). Saved predictions stay as the model made them.
    """

    def __init__(self, run: Run, model: FoldModel, train: Split, test: Split | None, folds: dict[int, np.ndarray],
                 root: Path | None = None, label: str = "", transform: Callable | None = None):
        self.run, self.model, self.train, self.test = run, model, train, test
        self.transform = transform
        self.folds = {int(s): np.asarray(f, np.int64) for s, f in folds.items()}
        self.root = Path(root) if root is not None else run.path
        self.label = f"{label}: " if label else ""
        self._order = np.argsort(self.train.ids, kind="stable")
        self._settings = model.settings()
        self._prediction_settings = model.prediction_settings()

    # --- which units there are, and which are done ---------------------------------------

    def units(self) -> list[Unit]:
        return [Unit(seed, int(fold)) for seed, column in self.folds.items() for fold in np.unique(column) if fold >= 0]

    def unit_dir(self, unit: Unit) -> Path:
        return self.root / f"seed{unit.seed}" / f"fold{unit.fold}"

    def rows(self, unit: Unit) -> tuple[np.ndarray, np.ndarray]:
        """(training rows, validation rows), each sorted by id so the download's row order does not matter."""
        column = self.folds[unit.seed][self._order]
        return self._order[column != unit.fold], self._order[column == unit.fold]

    def identity(self, unit: Unit) -> dict:
        """Everything the unit's model depends on, as digests: settings, seed, fold and its rows."""
        train_rows, valid_rows = self.rows(unit)
        t = self.train
        data = {"n_train": len(train_rows), "n_valid": len(valid_rows),
                "train_ids": digest(t.ids[train_rows]), "train_labels": digest(t.targets[train_rows]),
                "train_inputs": digest(t.content[train_rows]), "valid_ids": digest(t.ids[valid_rows])}
        if self.model.uses_validation:
            data.update(valid_labels=digest(t.targets[valid_rows]), valid_inputs=digest(t.content[valid_rows]))
        key = digest(self._settings, unit.seed, unit.fold, data)
        logger.debug(f"{self.label}{unit.name} key {key}: {data}")
        return {"seed": unit.seed, "fold": unit.fold, "settings": self._settings, "data": data, "key": key}

    def status(self, unit: Unit) -> tuple[bool, str]:
        """(done, why not): done when the saved unit's key is this unit's key."""
        path = self.unit_dir(unit) / UNIT_FILE
        if not path.exists():
            return False, "not trained yet"
        saved, now = atomic.read_json(path), self.identity(unit)
        if saved.get("key") == now["key"]:
            return True, ""
        return False, _why(saved, now)

    def plan(self, units: list[Unit] | None = None) -> list[Unit]:
        """The units (of `units`, default all) to train, logging one line per reason."""
        todo, reasons = [], defaultdict(list)
        for unit in units or self.units():
            done, why = self.status(unit)
            if not done:
                todo.append(unit)
                reasons[why].append(unit.name)
        total = len(units or self.units())
        if not todo:
            logger.info(f"{self.label}all {total} unit(s) done earlier")
        for why, names in reasons.items():
            listed = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
            logger.info(f"{self.label}{len(names)} of {total} unit(s) to train ({why}): {listed}")
        return todo

    # --- training and predicting ----------------------------------------------------------

    def run_units(self, units: list[Unit] | None = None) -> None:
        """Train the pending units among `units` (default all) and bring every one's predictions up to date."""
        units = units or self.units()
        todo = set(self.plan(units))
        started, trained = time.time(), 0
        for index, unit in enumerate(units, start=1):
            interrupts.check()
            with FileLock(self.unit_dir(unit) / ".lock", f"unit {unit.name} of {self.run.path}", "unit").acquire(
                    wait=True, on_wait=lambda who, u=unit: logger.info(f"{self.label}{u.name} is held by {who}; "
                                                                       "waiting for it")):
                if unit in todo and not self.status(unit)[0]:
                    remaining = sum(1 for u in units[index - 1:] if u in todo)
                    self._train(unit, index, len(units))
                    trained += 1
                    elapsed = time.time() - started
                    eta = elapsed / trained * (remaining - 1)
                    logger.info(f"{self.label}unit {index}/{len(units)} (seed {unit.seed}, fold {unit.fold}) done · "
                                f"elapsed {clock(elapsed)} · ETA {clock(eta)}")
                else:
                    self._refresh(unit)

    def _train(self, unit: Unit, index: int, total: int) -> None:
        folder = self.unit_dir(unit)
        (folder / UNIT_FILE).unlink(missing_ok=True)  # from here on the unit counts as not done
        identity = self.identity(unit)
        train_rows, valid_rows = self.rows(unit)
        logger.info(f"{self.label}unit {index}/{total} (seed {unit.seed}, fold {unit.fold}): training on "
                    f"{len(train_rows)} rows, validating on {len(valid_rows)}")
        started = time.time()
        model, summary = self.model.fit(self.train, train_rows, valid_rows, unit.training_seed, folder)
        self.model.save(model, folder)
        self._predict(model, folder, "valid", self.train, valid_rows)
        if self.test is not None:
            self._predict(model, folder, "test", self.test, np.arange(len(self.test)))
        atomic.write_json(folder / UNIT_FILE, {**identity, "summary": summary,
                                               "seconds": round(time.time() - started, 1),
                                               "host": socket.gethostname(), "pid": os.getpid()})

    def _refresh(self, unit: Unit) -> None:
        """Re-predict a done unit's validation or test rows when they or the prediction settings changed."""
        folder, model = self.unit_dir(unit), None
        wanted = [("valid", self.train, self.rows(unit)[1])]
        if self.test is not None:
            wanted.append(("test", self.test, np.arange(len(self.test))))
        for split, data, rows in wanted:
            why = self._stale_predictions(folder, split, data, rows)
            if why:
                logger.info(f"{self.label}{unit.name}: re-predicting its {len(rows)} {split} rows with the saved "
                            f"model ({why})")
                model = model if model is not None else self.model.load(folder)
                self._predict(model, folder, split, data, rows)

    def _predict(self, model, folder: Path, split: str, data: Split, rows: np.ndarray) -> None:
        pred, failed = self.model.predict(model, data, rows)
        mask = np.zeros(len(rows), bool)
        mask[list(failed)] = True
        with atomic.atomic_path(folder / f"{split}.npz") as tmp, open(tmp, "wb") as handle:
            np.savez(handle, ids=data.ids[rows], content=data.content[rows], pred=np.asarray(pred, np.float32),
                     failed=mask, settings=np.array(atomic.dumps(self._prediction_settings)))

    def _stale_predictions(self, folder: Path, split: str, data: Split, rows: np.ndarray) -> str:
        saved = _load_predictions(folder / f"{split}.npz")
        if saved is None:
            return "none saved"
        if atomic.loads(str(saved["settings"])) != self._prediction_settings:
            return f"prediction settings changed to {self._prediction_settings}"
        have = dict(zip(saved["ids"].tolist(), saved["content"].tolist()))
        missing = sum(1 for i, c in zip(data.ids[rows].tolist(), data.content[rows].tolist()) if have.get(i) != c)
        return f"{missing} row(s) new or changed" if missing else ""

    # --- assembling -----------------------------------------------------------------------

    def missing(self) -> list[Unit]:
        return [u for u in self.units() if not self.status(u)[0]]

    def assemble(self) -> Assembly:
        """OOF per seed and test averaged over units, each joined by id; raises Incomplete if a unit is not done."""
        missing = self.missing()
        if missing:
            raise Incomplete(missing)
        seeds = sorted(self.folds)
        oof_by_seed, tests, failed, summaries = None, [], set(), []
        for unit in self.units():
            folder = self.unit_dir(unit)
            _, valid_rows = self.rows(unit)
            pred = _joined(_load_predictions(folder / "valid.npz"), self.train.ids[valid_rows])
            test_pred = None
            if self.test is not None:
                saved = _load_predictions(folder / "test.npz")
                test_pred = _joined(saved, self.test.ids)
                failed.update(saved["ids"][saved["failed"]].tolist())
            if self.transform is not None:
                pred, test_pred = self.transform(pred, test_pred)
            if oof_by_seed is None:
                oof_by_seed = np.full((len(seeds), len(self.train)) + pred.shape[1:], np.nan, np.float32)
            oof_by_seed[seeds.index(unit.seed), valid_rows] = pred
            if test_pred is not None:
                tests.append(test_pred)
            saved_unit = atomic.read_json(folder / UNIT_FILE)
            summaries.append({**saved_unit.get("summary", {}), "seed": unit.seed, "fold": unit.fold,
                              "n_train": saved_unit["data"]["n_train"], "n_valid": saved_unit["data"]["n_valid"],
                              "seconds": saved_unit.get("seconds")})
        test = np.mean(tests, axis=0, dtype=np.float64).astype(np.float32) if tests else None
        failed_test = sorted(failed & set(self.test.ids.tolist())) if tests else []
        return Assembly(seeds, summaries, oof_by_seed, test, failed_test)


def _load_predictions(path: Path):
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as saved:
        return {k: saved[k] for k in saved.files}


def _joined(saved: dict, ids: np.ndarray) -> np.ndarray:
    """The saved predictions of `ids`, looked up by id."""
    position = {i: k for k, i in enumerate(saved["ids"].tolist())}
    return saved["pred"][[position[i] for i in ids.tolist()]]


_WHAT = {"train_labels": "training labels", "train_inputs": "training inputs (files or texts)",
         "valid_labels": "validation labels", "valid_inputs": "validation inputs (files or texts)"}


def _why(saved: dict, now: dict) -> str:
    """In words, what differs between a saved unit's identity and the current one."""
    before, after = saved.get("settings", {}), now["settings"]
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if changed:
        return "settings changed: " + ", ".join(f"{k} {before.get(k)!r} -> {after.get(k)!r}" for k in changed[:4])
    data_before, data_after = saved.get("data", {}), now["data"]
    if any(data_before.get(k) != data_after[k] for k in ("train_ids", "valid_ids")):
        return (f"its rows changed: {data_before.get('n_train')} -> {data_after['n_train']} training rows, "
                f"{data_before.get('n_valid')} -> {data_after['n_valid']} validation rows")
    what = [text for key, text in _WHAT.items() if key in data_after and data_before.get(key) != data_after[key]]
    if what:
        return "the " + ", ".join(what) + " changed"
    return "trained by another version"


def clock(seconds: float) -> str:
    """`1m05s`, or `2h03m` from an hour up."""
    seconds = int(round(seconds))
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"
