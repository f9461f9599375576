"""The settings model every pipeline's settings derive from, and its one-line errors.

Files, flags and the Python API all end in `Settings.build`, so they share one validation.
An error names the setting, the bad value and the allowed values, and suggests a near
miss for mistyped names and choices.
"""

from __future__ import annotations

import difflib
import json
import types
import typing
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from compete.common.errors import DataError, quoted


class SettingsError(ValueError):
    """A bad setting, said in one line; the CLI prints it and exits 2."""


class Invalid(ValueError):
    """Raised by a cross-field check: which setting, its value, what is wrong and what is allowed."""

    def __init__(self, name: str, value, problem: str, allowed: str | None = None):
        self.name, self.value, self.problem, self.allowed = name, value, problem, allowed
        super().__init__(problem)


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


class Settings(BaseModel):
    """A pipeline's settings: declared fields with descriptions, types, bounds and defaults that work."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, protected_namespaces=())

    # Settings that change no trained model (where things go, how fast, which rows, how to predict).
    NOT_UNIT_SETTINGS: ClassVar[frozenset] = frozenset()

    @classmethod
    def build(cls, values: dict | None = None, sources: dict | None = None, flags=frozenset()):
        """Validate `values` over the defaults.

        `sources` maps a setting to the file it came from (named in errors); settings in
        `flags` were typed on the command line and are named as `--flags`.
        """
        values, sources = dict(values or {}), dict(sources or {})
        unknown = [name for name in values if name not in cls.model_fields]
        if unknown:
            raise SettingsError(_unknown(cls, unknown[0], sources.get(unknown[0]), unknown[0] in flags))
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise SettingsError(_describe(cls, error, values, sources, flags)) from None

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")

    def replace(self, **changes):
        """A validated copy with `changes` applied."""
        return type(self).build({**self.to_dict(), **changes})

    def unit_settings(self) -> dict:
        """What a unit's model depends on besides its rows and its seed: part of every unit's key."""
        return {k: v for k, v in self.to_dict().items() if k not in self.NOT_UNIT_SETTINGS}


def _label(name: str, flags) -> str:
    return flag(name) if name in flags else name


def _prefix(source) -> str:
    return f"{source}: " if source else ""


def _unknown(cls, name: str, source, as_flag: bool) -> str:
    near = difflib.get_close_matches(name, list(cls.model_fields), n=1, cutoff=0.6)
    shown = flag(name) if as_flag else repr(name)
    hint = f"; did you mean {flag(near[0]) if as_flag else repr(near[0])}?" if near else \
        f"; known settings: {', '.join(cls.model_fields)}"
    return f"{_prefix(source)}unknown setting {shown}{hint}"


_NOT_ALLOWED = {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "literal_error", "too_short",
                "too_long", "multiple_of", "string_too_short", "string_too_long"}


def _describe(cls, error: ValidationError, values: dict, sources: dict, flags) -> str:
    """The first problem of `error` as one line; the rest are counted."""
    problems = error.errors(include_url=False)
    first, more = problems[0], len(problems) - 1
    if not first["loc"]:  # a cross-field check
        cause = first.get("ctx", {}).get("error")
        if isinstance(cause, Invalid):
            allowed = f"; allowed: {cause.allowed}" if cause.allowed else ""
            value = values.get(cause.name, cause.value)
            return (_prefix(sources.get(cause.name)) +
                    f"{_label(cause.name, flags)} {quoted(value)}: {cause.problem}{allowed}")
        return first["msg"].removeprefix("Value error, ")
    name = str(first["loc"][0])
    source = sources.get(name)
    field = cls.model_fields[name]
    if first["type"] == "missing":
        return f"{_prefix(source)}{_label(name, flags)} is required: {field.description}"
    value = values.get(name, first.get("input"))
    bad = first.get("input", value)
    problem = "not allowed" if first["type"] in _NOT_ALLOWED else first["msg"].replace("Input should be", "should be")
    if first["type"] == "value_error":
        problem = str(first.get("ctx", {}).get("error", problem))
    line = f"{_label(name, flags)} {quoted(value)}"
    if bad is not value and len(first["loc"]) > 1:
        line += f" (item {quoted(bad)})"
    line += f": {problem}; allowed: {allowed_text(field)}"
    choices = [str(c) for c in _choices(field.annotation)]
    if choices and isinstance(bad, str):
        near = difflib.get_close_matches(bad, choices, n=1, cutoff=0.5)
        if near:
            line += f"; did you mean {near[0]!r}?"
    if more:
        line += f" (and {more} more problem{'s' if more > 1 else ''})"
    return _prefix(source) + line


def _choices(annotation) -> tuple:
    """The literal choices inside an annotation (through lists, optionals and Annotated)."""
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    for arg in typing.get_args(annotation):
        found = _choices(arg)
        if found:
            return found
    return ()


def _bounds(metadata) -> str:
    words = []
    expanded = []
    for item in metadata:  # a Field(...) inside Annotated carries its bounds in its own metadata
        expanded.extend(getattr(item, "metadata", None) or [item])
    for item in expanded:
        for attr, sign in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            if getattr(item, attr, None) is not None:
                words.append(f"{sign} {getattr(item, attr)}")
        if getattr(item, "min_length", None):
            words.append(f"at least {item.min_length} item{'s' if item.min_length > 1 else ''}")
    return " and ".join(words)


def _type_words(annotation, metadata=()) -> str:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_words(args[0], [*metadata, *annotation.__metadata__])
    if origin is Literal:
        return "one of " + ", ".join(map(str, args))
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _type_words(inner[0], metadata) + (" or none" if len(inner) < len(args) else "")
    if origin is list:
        inner = _type_words(args[0])
        if inner.startswith("one of "):
            inner = "names from " + inner.removeprefix("one of ")
        else:
            inner = inner.replace("an integer", "integers").replace("a number", "numbers").replace("text", "texts")
        bounds = _bounds(metadata)
        return f"a list of {inner}" + (f" ({bounds})" if bounds else "")
    base = {int: "an integer", float: "a number", bool: "true or false", str: "text"}.get(annotation, "a value")
    bounds = _bounds(metadata)
    return f"{base} {bounds}" if bounds else base


def allowed_text(field) -> str:
    """The allowed values of a field, in words: its own words if it declares them, else from its type and bounds."""
    extra = field.json_schema_extra or {}
    if "allowed" in extra:
        return extra["allowed"]
    return _type_words(field.annotation, field.metadata)


def load_file(path) -> dict:
    """Read a YAML or JSON settings file into a dict."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise DataError(path, "config file not found")
    text = path.read_text(encoding="utf-8")
    try:
        values = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise DataError(path, f"cannot parse config: {str(error).splitlines()[0]}") from None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise DataError(path, "config must be a mapping of setting names to values")
    return values


def resolve(cls, config_file=None, overrides: dict | None = None, flags=frozenset()):
    """Defaults, then the config file, then explicit overrides (those named in `flags` were typed as flags)."""
    file_values = load_file(config_file) if config_file else {}
    overrides = dict(overrides or {})
    sources = {name: str(config_file) for name in file_values if name not in overrides}
    return cls.build({**file_values, **overrides}, sources=sources, flags=frozenset(flags))
