"""The one `compete` logger: messages to the terminal, and to a run's `log.txt` while the run is open."""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger("compete")


class _Stdout(logging.StreamHandler):
    """Writes to whatever `sys.stdout` is at each message (so redirection and test capture see it)."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value):
        pass


def setup(level: int = logging.INFO) -> None:
    """Print `compete` messages (plain, no prefix) on stdout; idempotent."""
    logger.setLevel(level)
    if not any(isinstance(h, _Stdout) for h in logger.handlers):
        handler = _Stdout()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.propagate = False


def to_file(path) -> logging.Handler:
    """Also append every message, time-stamped, to `path`; remove the returned handler to stop."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    return handler
