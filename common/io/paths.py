"""Paths named by data files: checked to exist before any work starts, and kept inside the download.

A download is untrusted: a label file may name `/etc/passwd`, `../../elsewhere.png`, or an image
that is a symbolic link out of the folder. Every path that comes from a data file is resolved
against the data folder (never the current directory) and refused when it leads outside it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Sequence

from compete.common.errors import DataError, quoted


def check_files(paths: Sequence, what: str = "image", source=None) -> None:
    """Fail fast, naming the first files, when listed images are missing."""
    missing = [str(p) for p in paths if not os.path.isfile(p)]
    if missing:
        where = source if source is not None else Path(missing[0]).parent
        raise DataError(where, f"{len(missing)} listed {what}(s) missing, e.g. {missing[:3]}")


def _real(path) -> str | None:
    """The path with every symbolic link resolved, or None when it cannot be (a NUL byte, a loop)."""
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return None


def within(root, path) -> bool:
    """Whether `path`, with its symbolic links resolved, is `root` (likewise resolved) or lies under it."""
    top, real = _real(root), _real(path)
    if top is None or real is None:
        return False
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def joined(candidate: str, base) -> Path | None:
    """`candidate` (as read from a data file) taken relative to `base`, normalised; an absolute one as it is.

    None when it cannot name a file at all (empty, or with a NUL byte).
    """
    text = os.fspath(candidate)
    if not text or "\x00" in text:
        return None
    return Path(os.path.normpath(os.path.join(os.fspath(base), text)))


def exists(path) -> bool:
    """Whether anything (a file, a folder, a dangling link) is at `path`; False for a name the system refuses."""
    try:
        return os.path.lexists(path)
    except (OSError, ValueError):
        return False


def inside(root, candidate, source=None, *, base=None, what: str = "path") -> Path:
    """`candidate`, a path read from `source`, as a normalised path inside the data folder `root`.

    Relative candidates are taken relative to `base` (default: `root`), never to the current
    directory. The path is refused (DataError naming `source` and the path, cut to a readable
    length) when it, or any symbolic link along it, leads outside `root`.
    """
    path = joined(os.fspath(candidate), root if base is None else base)
    if path is None:
        raise DataError(source, f"{what} {quoted(os.fspath(candidate))} cannot name a file")
    if not within(root, path):
        link = f" (a link to {quoted(_real(path))})" if os.path.islink(path) else ""
        raise DataError(source, f"{what} {quoted(os.fspath(candidate))}{link} leads outside the data folder {root}; "
                                "refused: files named by a download must lie inside it")
    return path


def contained(root, path, source=None, what: str = "file") -> Path:
    """`path`, a file or folder found on disk under `root`, if it (links resolved) stays inside `root`.

    Unlike `inside`, `path` is taken as it is (it was built from `root`, not read from a file).
    """
    if not within(root, path):
        link = f" (a link to {quoted(_real(path))})" if os.path.islink(path) else ""
        raise DataError(source if source is not None else path,
                        f"{what} {quoted(os.fspath(path))}{link} leads outside the data folder {root}; refused: "
                        "files named by a download must lie inside it")
    return Path(path)


def regular_file(path) -> bool:
    """Whether `path` (links followed) is a plain file: not a folder, a device or a pipe that would block a read."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
