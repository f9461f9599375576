"""The one `compete` logger: messages to the terminal, and to a run's `log.txt` while the run is open."""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger("compete")


def setup(level: int = logging.INFO) -> None:
    """Print `compete` messages (plain, no prefix) on stdout; idempotent."""
    logger.setLevel(level)
    if not any(getattr(h, "_compete_console", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._compete_console = True
        logger.addHandler(handler)
    logger.propagate = False


def to_file(path) -> logging.Handler:
    """Also append every message, time-stamped, to `path`; remove the returned handler to stop."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    return handler
