"""A command's hold on a run: whole-run commands keep its lock to the end; `--unit` commands only while setting up.

Several `--unit` processes (or machines sharing the folder) can therefore train different
units of one run at once, each holding only its unit's lock, while two whole-run commands
on one run never write at the same time. A whole-run command with `--executor ray` keeps its
lock while its Ray tasks, `--unit` sessions each, work under it (see `executors.delegate`).
"""

from __future__ import annotations

import contextlib

import numpy as np

from compete.common.logs import logger, to_file
from compete.common.runs import executors
from compete.common.runs import folds as fold_columns
from compete.common.runs.engine import Assembly, Engine, Incomplete, Unit
from compete.common.runs.lock import Busy
from compete.common.runs.run import Run


class Session:
    """Use as `with Session(run, units=..., wait=...) as session:`.

    Args:
        run: the run folder (made on entering, so call this after every check has passed).
        units: train only these units (`--unit`), or None for the whole run.
        wait: wait for another command holding the run instead of refusing.
    """

    def __init__(self, run: Run, units: list[Unit] | None = None, wait: bool = False):
        self.run, self.units, self.wait = run, units, wait
        self._context = None

    def __enter__(self) -> "Session":
        context = self.run.open(wait=self.wait, role="setup" if self.units else "run")
        try:
            context.__enter__()
        except Busy:
            if not (self.units and executors.delegated(self.run)):
                raise
            context = _lent(self.run)
            context.__enter__()
        self._context = context
        return self

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)

    def fold_column(self, seed: int, ids, make, spec: dict | None = None) -> np.ndarray:
        """Seed `seed`'s fold column, saved in the run; `spec` names the split (see `folds.fold_column`)."""
        return fold_columns.fold_column(self.run.seed_dir(seed) / "folds.csv", ids, make, logger.info, spec)

    def execute(self, *engines: Engine, train: bool = True) -> list[Assembly] | None:
        """Train (unless `train` is False) and assemble; for `--unit`, train those units only and return None."""
        if self.units:
            known = set(engines[0].units())
            unknown = [u.name for u in self.units if u not in known]
            if unknown:
                raise ValueError(f"no unit {', '.join(unknown)} in this run; its units are "
                                 f"{', '.join(u.name for u in sorted(known))}")
            self.run.release_lock()
            for engine in engines:
                engine.run_units(list(self.units))
            return None
        if train:
            command = executors.current()
            pending = sorted({u for e in engines for u in e.missing()}) if command and command.on_ray else []
            if pending:
                self._train_on_ray(command, engines, pending)
            else:
                for engine in engines:
                    engine.run_units()
        missing = sorted({u for engine in engines for u in engine.missing()})
        if missing:
            raise Incomplete(missing, "train them with `cv --unit NAME` (one process each) or with `cv`")
        assemblies = [engine.assemble() for engine in engines]
        command = executors.current()
        if command is not None and self.run.path not in command.assembled:
            command.assembled.append(self.run.path)
        return assemblies

    def _train_on_ray(self, command: executors.Command, engines: tuple[Engine, ...], pending: list[Unit]) -> None:
        """`pending` (the units pending in any engine) as Ray tasks; then, here, the others' predictions updated."""
        from compete.common.runs import ray_units

        for engine in engines:
            engine.plan()  # says which units train, and why
        ray_units.train(command, self.run, pending)
        unmatched = sorted({u for engine in engines for u in engine.missing() if u in pending})
        if unmatched:
            raise executors.UnitFailed(
                f"unit(s) {', '.join(u.name for u in unmatched)} trained on Ray but not matching this run (their data or "
                "settings differ on the node named in unit.json)")
        rest = [u for u in engines[0].units() if u not in pending]
        if rest:
            for engine in engines:
                engine.run_units(rest)


@contextlib.contextmanager
def _lent(run: Run):
    """A `--unit` session under the run lock its sender holds: the run's log file, no lock of its own."""
    handler = to_file(run.path / "log.txt")
    try:
        yield run
    finally:
        logger.removeHandler(handler)
        handler.close()
