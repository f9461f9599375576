"""Write files under a temporary name and rename, so a crash never leaves a half-written file."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None):
    """Yield a temporary path beside `path`; it replaces `path` only if the block succeeds.

    The temporary name keeps `suffix` (default: the target's own) so writers that
    dispatch on the extension, such as Keras' `.keras` saving, still work.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix if suffix is None else suffix
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp" + suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; a shared run folder wants the usual mode
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_text(path, text: str) -> None:
    """Atomically write UTF-8 text."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


def write_json(path, obj) -> None:
    """Atomically write `obj` as indented JSON."""
    write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def dumps(obj) -> str:
    """Canonical JSON text (sorted keys), for settings stored beside predictions."""
    return json.dumps(obj, sort_keys=True, default=str)


def loads(text: str):
    return json.loads(text)


def read_json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def save_npy(path, array) -> None:
    """Atomically save one array (np.save on an open handle keeps the exact name)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.save(handle, np.asarray(array))


def write_csv(path, frame) -> None:
    """Atomically write a pandas DataFrame as UTF-8 CSV without the index."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
