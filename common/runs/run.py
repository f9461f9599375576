"""A run folder: where a run's units, folds, assembled predictions and scores live, guarded by one lock.

    runs/<competition>/<run>/
        run.json           format marker, written when the folder is made
        .lock              held by the command writing here (pid, host, command inside)
        log.txt            every message of every command on this run, time-stamped
        config.json        the settings behind the assembled outputs (written with them)
        seed<S>/folds.csv  id,fold: the fold column of seed S
        seed<S>/fold<F>/   one unit: model, valid.npz, test.npz, history.csv, unit.json (last)
        oof.npz, test.npz, scores.json, ...   the assembly

Nothing is created until `open()`, which a pipeline calls only after its settings and data
checks have passed, so a command that fails its checks leaves no folder behind.
"""

from __future__ import annotations

import contextlib
import logging
import re
from pathlib import Path

from compete.common.errors import DataError
from compete.common.io import atomic
from compete.common.logs import logger, to_file
from compete.common.runs.lock import Busy, FileLock

FORMAT = 2
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+=-]{0,127}$")


def check_name(name: str) -> str:
    """A run name is one plain folder name, so it can never point outside the runs folder."""
    if not _NAME.match(name or "") or name in (".", ".."):
        raise ValueError(f"run name {name!r} must be one folder name: letters, digits and . _ + = - "
                         "(not starting with . or -), at most 128 characters")
    return name


class Run:
    """The folder of one run of one competition.

    Args:
        runs_dir: the runs folder (`runs` by default).
        competition: the competition's name.
        name: the run's name, checked by `check_name`.
    """

    def __init__(self, runs_dir, competition: str, name: str):
        self.name = check_name(name)
        self.path = Path(runs_dir) / competition / self.name
        self._lock: FileLock | None = None
        self._log: logging.Handler | None = None

    def __repr__(self):
        return f"Run({str(self.path)!r})"

    def lock(self, role: str = "run") -> FileLock:
        return FileLock(self.path / ".lock", f"run {self.path}", role)

    @contextlib.contextmanager
    def open(self, wait: bool = False, role: str = "run"):
        """Make the folder if needed, hold its lock and write the log file until the block ends."""
        self._check_format()
        self.path.mkdir(parents=True, exist_ok=True)
        lock = self.lock(role)
        announce = lambda who: logger.info(f"waiting for {who} to finish with {self.path} ...")  # noqa: E731
        try:
            lock.acquire(wait=False)
        except Busy:
            if not (wait or lock.holder().get("role") == "setup"):  # another command's set-up takes seconds
                raise
            lock.acquire(wait=True, on_wait=announce)
        try:  # under the lock: a command starting at the same moment must not see a half-made folder
            self._check_format()
            if not (self.path / "run.json").exists():
                atomic.write_json(self.path / "run.json", {"format": FORMAT})
        except BaseException:
            lock.release()
            raise
        handler = to_file(self.path / "log.txt")
        self._lock, self._log = lock, handler
        try:
            yield self
        finally:
            logger.removeHandler(handler)
            handler.close()
            self.release_lock()
            self._log = None

    def release_lock(self) -> None:
        """Let other commands in before this one ends (a `--unit` command, once set up)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _check_format(self) -> None:
        """Refuse folders made by an older layout (per-fold `done.json`), in one line."""
        marker = self.path / "run.json"
        if marker.exists():
            version = atomic.read_json(marker).get("format")
            if version != FORMAT:
                raise DataError(self.path, f"run folder of format {version}, this version of compete reads format "
                                           f"{FORMAT}; delete it or choose another --run")
        elif self.path.is_dir() and any(not p.name.startswith(".") for p in self.path.iterdir()):
            raise DataError(self.path, "run folder made by an older version of compete; delete it or choose another "
                                       "--run")

    def seed_dir(self, seed: int) -> Path:
        return self.path / f"seed{seed}"

    def write_config(self, settings: dict) -> None:
        atomic.write_json(self.path / "config.json", settings)
