"""The one error type for bad input: it names the file and what is wrong with it."""

from __future__ import annotations

import os


class DataError(Exception):
    """Bad input data; the CLI prints it and exits non-zero.

    Args:
        path: the file or folder at fault.
        problem: what is wrong, in words a user can act on.
    """

    def __init__(self, path: str | os.PathLike | None, problem: str):
        self.path = None if path is None else str(path)
        self.problem = problem
        super().__init__(problem if path is None else f"{self.path}: {problem}")


def quoted(value, limit: int = 80) -> str:
    """`repr(value)` cut to `limit` characters with "…", so a message never echoes a huge bad value.

    Long strings and sequences are shortened before `repr`, so a gigabyte value costs nothing.
    """
    if isinstance(value, (str, bytes)) and len(value) > limit:
        value = value[:limit]
        return repr(value)[:limit - 1] + "…"
    if isinstance(value, (list, tuple)) and len(value) > limit:
        text = repr(type(value)(value[:limit]))
        return text[:limit - 1] + "…"
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def require_columns(columns, required, path) -> None:
    """Raise DataError naming `path` if any of `required` is absent from `columns`."""
    present = set(columns)
    missing = [c for c in required if c not in present]
    if missing:
        raise DataError(path, f"missing column(s) {quoted(missing)}; found {quoted(list(columns))}")
