"""Content fingerprints: what a unit's identity hashes besides its settings.

Files are hashed by content (so a copy of the data on another machine names the same
units), with a cache keyed by path, size and modification time, so a rerun reads only
the files that changed. Arrays and texts are hashed row by row.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from compete.common.io import atomic


def digest(*parts) -> str:
    """A short stable hash of JSON-able values, bytes and arrays."""
    h = hashlib.sha1()
    for part in parts:
        if isinstance(part, np.ndarray):
            h.update(str((part.dtype.kind, part.shape)).encode())
            if part.dtype.kind in "OUS":  # by value: a string array's width depends on its longest entry
                h.update("\x1f".join(map(str, part.ravel().tolist())).encode())
            else:
                h.update(np.ascontiguousarray(part).tobytes())
        elif isinstance(part, bytes):
            h.update(part)
        else:
            h.update(json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\x1e")
    return h.hexdigest()[:16]


def of_texts(texts) -> np.ndarray:
    """One hash per text."""
    return np.array([hashlib.blake2b(t.encode("utf-8"), digest_size=8).hexdigest() for t in texts])


def of_arrays(array: np.ndarray) -> np.ndarray:
    """One hash per row of an array (e.g. decoded images)."""
    return np.array([hashlib.blake2b(np.ascontiguousarray(row).tobytes(), digest_size=8).hexdigest() for row in array])


def _hash_file(path: str) -> str:
    h = hashlib.blake2b(digest_size=8)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def of_files(paths, cache_path=None, workers: int = 8) -> np.ndarray:
    """One content hash per file; `cache_path` (JSON) remembers them by (size, mtime) between runs.

    A file that cannot be read gets "missing": the reader that uses it reports it properly.
    """
    paths = [os.path.abspath(os.fspath(p)) for p in paths]
    cache = {}
    if cache_path is not None and Path(cache_path).exists():
        try:
            cache = atomic.read_json(cache_path)
        except (OSError, ValueError):
            cache = {}
    stats, todo = [], []
    for i, path in enumerate(paths):
        try:
            st = os.stat(path)
            stamp = [st.st_size, st.st_mtime_ns]
        except OSError:
            stamp = None
        stats.append(stamp)
        known = cache.get(path)
        if stamp is not None and not (known and known[:2] == stamp):
            todo.append(i)
    if todo:
        with ThreadPoolExecutor(max(1, workers)) as pool:
            for i, value in zip(todo, pool.map(lambda i: _safe_hash(paths[i]), todo)):
                cache[paths[i]] = [*stats[i], value]
        if cache_path is not None:
            try:
                atomic.write_json(cache_path, cache)
            except OSError:
                pass  # a cache that cannot be written costs time, never correctness
    return np.array([cache[p][2] if s is not None and p in cache else "missing" for p, s in zip(paths, stats)])


def _safe_hash(path: str) -> str:
    try:
        return _hash_file(path)
    except OSError:
        return "missing"
