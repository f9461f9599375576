"""One writer at a time: an OS file lock (released by the kernel when its process dies) naming its holder."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from pathlib import Path


class Busy(Exception):
    """Another process holds the lock; the message names it."""


class FileLock:
    """`flock` on `path`. The holder writes who it is into the file, so a refused command can say.

    Args:
        path: the lock file (created if missing).
        what: what the lock guards, for messages ("run runs/planet/demo").
        role: stored with the holder ("run" for a whole command, "setup" for a short set-up).
    """

    def __init__(self, path, what: str, role: str = "run"):
        self.path, self.what, self.role = Path(path), what, role
        self._fd: int | None = None

    def holder(self) -> dict:
        """Who holds (or last held) the lock, as it wrote itself down."""
        try:
            return json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return {}

    def describe_holder(self) -> str:
        info = self.holder()
        if not info:
            return "another process"
        since = time.strftime("%H:%M:%S", time.localtime(info.get("since", 0)))
        return f"pid {info.get('pid')} on {info.get('host')} ({info.get('command', '?')}, since {since})"

    def acquire(self, wait: bool = False, on_wait=None) -> "FileLock":
        """Take the lock; if held, raise Busy unless `wait`, then block (calling `on_wait(holder)` once)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                os.close(fd)
                raise Busy(f"{self.what} is in use by {self.describe_holder()}; wait for it with --wait, "
                           "or use another --run") from None
            if on_wait is not None:
                on_wait(self.describe_holder())
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time(), "role": self.role,
                "command": " ".join(["compete", *sys.argv[1:]])[:200]}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
