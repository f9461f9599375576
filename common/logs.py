"""The one `compete` logger: messages to the terminal, and to a run's `log.txt` while the run is open."""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger("compete")

RESULT = 25  # between INFO and WARNING: what `-q` still prints (scores, the submission path)
logging.addLevelName(RESULT, "RESULT")


def result(message: str) -> None:
    """Log a final result: shown even with `-q`."""
    logger.log(RESULT, message)


class _Stdout(logging.StreamHandler):
    """Writes to whatever `sys.stdout` is at each message (so redirection and test capture see it)."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value):
        pass


def setup(level: int = logging.INFO) -> None:
    """Print `compete` messages (plain, no prefix) on stdout from `level` up; idempotent.

    `-q` is RESULT (warnings and final results), the default INFO, `-v` DEBUG.
    """
    logger.setLevel(min(level, logging.INFO))  # a run's log.txt gets every INFO line, even under -q
    handler = next((h for h in logger.handlers if isinstance(h, _Stdout)), None)
    if handler is None:
        handler = _Stdout()
        handler.setFormatter(_Plain())
        logger.addHandler(handler)
    handler.setLevel(level)
    logger.propagate = False


def terminal_level() -> int:
    """The level from which messages reach the terminal (RESULT under -q)."""
    handler = next((h for h in logger.handlers if isinstance(h, _Stdout)), None)
    return max(logger.getEffectiveLevel(), handler.level if handler else logging.NOTSET)


class _Plain(logging.Formatter):
    """The message alone; warnings say so."""

    def format(self, record):
        message = super().format(record)
        return f"warning: {message}" if record.levelno == logging.WARNING else message


def to_file(path) -> logging.Handler:
    """Also append every message, time-stamped, to `path`; remove the returned handler to stop."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    return handler
