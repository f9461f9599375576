"""Command-line flags from a settings model: one flag per setting, grouped, with description, allowed values, default.

Flags hold the raw text; the model validates it, so a flag and a config-file entry are
checked by the same rules.
"""

from __future__ import annotations

import argparse
import difflib
import typing
from typing import Literal

from compete.common.settings.fields import GROUPS
from compete.common.settings.model import _choices, allowed_text, flag

TITLES = {"data": "data", "model": "model", "training": "training", "cross-validation": "cross-validation",
          "prediction": "prediction", "compute": "compute", "output": "output"}


def _metavar(field) -> str:
    choices = _choices(field.annotation)
    if choices and typing.get_origin(field.annotation) is Literal:
        return "{" + ",".join(map(str, choices)) + "}"
    words = allowed_text(field)
    if words.startswith("a list"):
        return "A,B,..."
    if words.startswith("an integer"):
        return "N"
    if words.startswith("a number"):
        return "X"
    if "folder" in words:
        return "DIR"
    return "TEXT"


def _default(field) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, list):
        return "default: " + (",".join(map(str, value)) or "none")
    if value in ("", None):
        return "default: none"
    return f"default: {str(value).lower() if isinstance(value, bool) else value}"


def add_settings(parser: argparse.ArgumentParser, cls) -> None:
    """Add `cls`'s settings to `parser` as flags, in help groups; absent flags leave the file or default alone."""
    groups = {}
    fields = cls.model_fields
    own = sorted({(f.json_schema_extra or {}).get("group", "other") for f in fields.values()} - set(GROUPS))
    order = [*GROUPS[:2], *own, *GROUPS[2:]]  # a pipeline's own groups right after data and model
    for title in order:
        names = [n for n, f in fields.items() if (f.json_schema_extra or {}).get("group", "other") == title]
        if names:
            groups[title] = parser.add_argument_group(f"{TITLES.get(title, title)} settings")
    for name, field in fields.items():
        group = groups[(field.json_schema_extra or {}).get("group", "other")]
        words = allowed_text(field)
        text = f"{field.description} [{words}; {_default(field)}]".replace("%", "%%")
        if field.annotation is bool:
            group.add_argument(flag(name), dest=name, default=argparse.SUPPRESS,
                               action=argparse.BooleanOptionalAction, help=text)
        else:
            group.add_argument(flag(name), dest=name, default=argparse.SUPPRESS, metavar=_metavar(field), help=text)


def near_flag(parser: argparse.ArgumentParser, unknown: str) -> str | None:
    """The parser's flag closest to a mistyped one, if any is close."""
    known = [s for action in parser._actions for s in action.option_strings if s.startswith("--")]
    near = difflib.get_close_matches(unknown.split("=")[0], known, n=1, cutoff=0.6)
    return near[0] if near else None
