"""Where a command's units train: the command's context (which pipeline, which settings), read by its session.

`Pipeline.call` enters `command(...)`, so a session knows, without any pipeline passing it on,
whether the command asked for `--executor ray` and how to train one unit elsewhere. A Ray task
of such a command enters `delegate(...)`: its `--unit` session then works under the run lock
that the command sending it holds, instead of being refused by it.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable


class UnitFailed(Exception):
    """A unit trained elsewhere failed; the message names the unit, where it ran and why."""


@dataclass(frozen=True)
class Command:
    """The command running in this process.

    Args:
        competition: the pipeline's name.
        settings: its validated settings (a dict of them in the copy a Ray task gets).
        train_unit: `train_unit(settings_dict, "seedS/foldF")`, importable in a worker: exactly
            `compete COMPETITION cv --unit seedS/foldF` with those settings.
        assembled: the folders of the runs this command assembled, in order (filled by their sessions),
            so that what follows the command (the report) knows them without any pipeline passing them on.
        reported: those whose report is already written (a submission writes it before its last words).
    """

    competition: str
    settings: Any
    train_unit: Callable[[dict, str], None]
    assembled: list = field(default_factory=list, compare=False)
    reported: set = field(default_factory=set, compare=False)

    @property
    def on_ray(self) -> bool:
        return getattr(self.settings, "executor", "local") == "ray"


@dataclass(frozen=True)
class Grant:
    """A run lock lent by the command holding it: the run's folder and the holder as its lock file names it."""

    run: str
    holder: dict


HOLDER_KEYS = ("pid", "host", "since")

_command: contextvars.ContextVar[Command | None] = contextvars.ContextVar("compete_command", default=None)
_grant: contextvars.ContextVar[Grant | None] = contextvars.ContextVar("compete_grant", default=None)


@contextlib.contextmanager
def command(running: Command):
    """Make `running` the current command for the block."""
    token = _command.set(running)
    try:
        yield running
    finally:
        _command.reset(token)


def current() -> Command | None:
    return _command.get()


@contextlib.contextmanager
def delegate(run_path, holder: dict):
    """For the block, `--unit` sessions on `run_path` may work under the lock that `holder` holds."""
    token = _grant.set(Grant(str(Path(run_path).resolve()), {k: holder.get(k) for k in HOLDER_KEYS}))
    try:
        yield
    finally:
        _grant.reset(token)


def delegated(run) -> bool:
    """Whether the lock on `run` is held by the command that sent this process to train some of its units."""
    grant = _grant.get()
    if grant is None or grant.run != str(run.path.resolve()):
        return False
    holder = run.lock().holder()
    return {k: holder.get(k) for k in HOLDER_KEYS} == grant.holder
