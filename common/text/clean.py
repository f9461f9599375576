"""Review text to tokens: HTML line breaks and tags removed, lower-cased, words plus `!` and `?`."""

from __future__ import annotations

import re

_BREAK = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]{0,200}>")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[!?]")


def strip_html(text: str) -> str:
    """`<br />` (and any other tag) to a space."""
    return _TAG.sub(" ", _BREAK.sub(" ", text))


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(strip_html(text).lower())


def clean(text: str) -> str:
    """Tokens joined by single spaces: the form every text model here reads (split on whitespace)."""
    return " ".join(tokenize(text))


def clean_all(texts) -> list[str]:
    return [clean(t) for t in texts]
