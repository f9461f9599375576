"""What a competition's Kaggle download is made of: its files, what each becomes, how the result is checked.

Each competition states its own facts as `PLAN` in `compete.competitions.<name>.download`,
found by that name as the pipelines are (common code imports no competition).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from compete.common.io.unpack import Limits
from compete.common.kaggle.client import KaggleError


@dataclass(frozen=True)
class Remote:
    """One file of the competition on Kaggle and what it becomes in the data folder.

    Args:
        name: its name in Kaggle's listing.
        target: the file or folder it becomes. A file is the download itself when the names
            match (kept as it is), else the one file of that name inside the archive.
        folder: it unpacks into the folder `target`: its archives (zip, 7z, tar, one inside the
            other) are opened in turn, and a single top folder inside becomes `target`.
        limits: the most each archive layer may unpack to.
    """

    name: str
    target: str
    folder: bool = False
    limits: Limits = Limits()


@dataclass(frozen=True)
class Plan:
    """A competition's download: `slug` on Kaggle (None: not on Kaggle, `elsewhere` says so), its files,
    and `check(root)`, which reads the placed files with the competition's reader and says what they hold."""

    slug: str | None
    files: tuple[Remote, ...] = ()
    check: Callable[[Path], str] | None = None
    elsewhere: str = ""

    def require_slug(self) -> str:
        """The slug; a competition that is not on Kaggle is refused in one line."""
        if self.slug is None:
            raise KaggleError(self.elsewhere)
        return self.slug


def plan_of(competition: str) -> Plan:
    """The download facts of `competition` (`compete.competitions.<competition>.download.PLAN`)."""
    module = f"compete.competitions.{competition}.download"
    try:
        return importlib.import_module(module).PLAN
    except ModuleNotFoundError as error:
        if error.name not in (module, f"compete.competitions.{competition}"):
            raise
        raise ValueError(f"no download facts for {competition!r} ({module})") from None
