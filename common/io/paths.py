"""Paths named by data files: checked to exist before any work starts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from compete.common.errors import DataError


def check_files(paths: Sequence, what: str = "image", source=None) -> None:
    """Fail fast, naming the first files, when listed images are missing."""
    missing = [str(p) for p in paths if not os.path.isfile(p)]
    if missing:
        where = source if source is not None else Path(missing[0]).parent
        raise DataError(where, f"{len(missing)} listed {what}(s) missing, e.g. {missing[:3]}")
