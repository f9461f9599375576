"""Pipeline settings: a dataclass of defaults, overridden by a YAML/JSON file, then by CLI flags."""

from __future__ import annotations

import argparse
import dataclasses
import json
import typing
from pathlib import Path

import yaml

from common.errors import DataError


@dataclasses.dataclass
class ImageCVConfig:
    """Settings every image pipeline shares; a pipeline subclasses it and changes defaults."""

    data: str = ""
    run: str = ""
    runs_dir: str = "runs"
    submissions_dir: str = "submissions"
    backbone: str = "resnet50"
    weights: str | None = "imagenet"
    image_size: int = 128
    batch_size: int = 32
    epochs: int = 20
    head_epochs: int = 2
    fine_tune: str = "full"
    unfreeze_blocks: int = 1
    fine_tune_lr_factor: float = 0.1
    learning_rate: float = 1e-3
    lr_schedule: str = "plateau"
    patience: int = 4
    dropout: float = 0.2
    augment: list[str] = dataclasses.field(default_factory=lambda: ["hflip"])
    cache_images: bool = True
    tta: int = 1
    n_splits: int = 5
    seeds: list[int] = dataclasses.field(default_factory=lambda: [0])
    workers: int = 0
    limit_train: int = 0

    def training_key(self) -> dict:
        """Settings that change what is trained; the run name hashes them."""
        ignore = {"run", "runs_dir", "submissions_dir", "workers", "tta", "cache_images"}
        return {k: v for k, v in to_dict(self).items() if k not in ignore}


def to_dict(cfg) -> dict:
    return dataclasses.asdict(cfg)


def _field_types(cls) -> dict[str, typing.Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _coerce(value, kind, name: str):
    """Convert a file or CLI value to the field's declared type."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if value is None:
        return None
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", ())):
        inner = [a for a in args if a is not type(None)][0]
        if isinstance(value, str) and value.lower() in ("none", "null", ""):
            return None
        return _coerce(value, inner, name)
    if origin is list:
        items = value.split(",") if isinstance(value, str) else list(value)
        items = [i.strip() if isinstance(i, str) else i for i in items]
        return [_coerce(i, args[0], name) for i in items if i != ""]
    if kind is bool:
        if isinstance(value, str):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"{name}: expected true/false, got {value!r}")
        return bool(value)
    if kind in (int, float, str):
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise ValueError(f"{name}: expected {kind.__name__}, got {value!r}") from None
    return value


def from_dict(cls, values: dict, source="settings"):
    """Build `cls` from defaults overridden by `values`; unknown keys are an error."""
    types = _field_types(cls)
    unknown = sorted(set(values) - set(types))
    if unknown:
        raise DataError(source, f"unknown setting(s) {unknown}; known: {sorted(types)}")
    try:
        return cls(**{k: _coerce(v, types[k], k) for k, v in values.items()})
    except ValueError as error:
        raise DataError(source, str(error)) from None


def load_file(path) -> dict:
    """Read a YAML or JSON settings file into a dict."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "config file not found")
    text = path.read_text(encoding="utf-8")
    try:
        values = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise DataError(path, f"cannot parse config: {error}") from None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise DataError(path, "config must be a mapping of setting names to values")
    return values


def add_arguments(parser: argparse.ArgumentParser, cls) -> None:
    """One `--name` flag per field; flags not given leave the file/default value alone."""
    for name, kind in _field_types(cls).items():
        flag = "--" + name.replace("_", "-")
        doc = f"(default: {_default_text(cls, name)})"
        if kind is bool:
            parser.add_argument(flag, dest=name, default=argparse.SUPPRESS,
                                action=argparse.BooleanOptionalAction, help=doc)
        else:
            parser.add_argument(flag, dest=name, default=argparse.SUPPRESS, metavar=name.upper(), help=doc)


def _default_text(cls, name):
    field = {f.name: f for f in dataclasses.fields(cls)}[name]
    value = field.default_factory() if field.default_factory is not dataclasses.MISSING else field.default
    return ",".join(map(str, value)) if isinstance(value, list) else value


def resolve(cls, config_file=None, overrides: dict | None = None):
    """Defaults, then the config file, then explicit overrides (e.g. CLI flags)."""
    values = load_file(config_file) if config_file else {}
    values.update(overrides or {})
    return from_dict(cls, values, source=config_file or "command line")
