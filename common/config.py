"""Pipeline settings: a dataclass of defaults, overridden by a YAML/JSON file, then by CLI flags."""

from __future__ import annotations

import argparse
import dataclasses
import json
import hashlib
import typing
from pathlib import Path
from typing import ClassVar

import yaml

from compete.common.errors import DataError


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
    optimizer: str = "adam"
    momentum: float = 0.9
    patience: int = 4
    dropout: float = 0.2
    augment: list[str] = dataclasses.field(default_factory=lambda: ["hflip"])
    cache_images: bool = True
    tta: int = 1
    n_splits: int = 5
    seeds: list[int] = dataclasses.field(default_factory=lambda: [0])
    workers: int = 0
    limit_train: int = 0

    # Settings that change no trained model: where things go, how fast, how rows are chosen
    # (the rows themselves are part of every unit's key) and how predictions are made.
    NOT_UNIT_SETTINGS: ClassVar[frozenset] = frozenset({
        "data", "run", "runs_dir", "submissions_dir", "workers", "cache_images", "tta", "seeds", "n_splits",
        "limit_train"})

    def unit_settings(self) -> dict:
        """What a unit's model depends on besides its rows and its seed: part of every unit's key."""
        return {k: v for k, v in to_dict(self).items() if k not in self.NOT_UNIT_SETTINGS}

    def run_prefix(self) -> str:
        return f"{Path(str(self.backbone).split(':')[-1]).name}-{self.image_size}px"


def default_run_name(cfg) -> str:
    """Readable and stable: prefix, then a hash of the unit settings, the split and the data folder.

    Seeds are left out, so `--seeds 0,1` after `--seeds 0` adds units to the same run.
    """
    split = {k: getattr(cfg, k) for k in ("n_splits", "holdout", "limit_train") if hasattr(cfg, k)}
    key = {**cfg.unit_settings(), **split, "data": str(Path(cfg.data).resolve())}
    digest = hashlib.sha1(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{cfg.run_prefix()}-{digest}"


def fit_options(cfg):
    """The fitting options of an image pipeline's settings (timm-style adapter)."""
    from compete.common.training.options import FitOptions

    return FitOptions(**{name: getattr(cfg, name) for name in FitOptions.__dataclass_fields__})


def loader_options(cfg):
    """How an image pipeline's settings feed images."""
    from compete.common.training.options import LoaderOptions

    return LoaderOptions(image_size=cfg.image_size, batch_size=cfg.batch_size, augment=tuple(cfg.augment),
                         cache=cfg.cache_images, workers=cfg.workers or None)


def image_learner(cfg, build_model, **kwargs):
    """The image fold model of an image pipeline's settings; `kwargs` are ImageLearner's (loss, fallback, ...)."""
    from compete.common.models.backbones import get_spec
    from compete.common.training.image_learner import ImageLearner

    return ImageLearner(build_model, settings=cfg.unit_settings(), fit=fit_options(cfg), loader=loader_options(cfg),
                        predict=predict_options(cfg), blocks=get_spec(cfg.backbone).blocks,
                        pretrained=bool(cfg.weights) and str(cfg.weights).lower() != "none", **kwargs)


def digest_cache(cfg) -> Path:
    """Where file content hashes are remembered between commands."""
    return Path(cfg.runs_dir) / ".cache" / "file-digests.json"


def predict_options(cfg):
    from compete.common.training.options import PredictOptions

    return PredictOptions(tta=cfg.tta)


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
