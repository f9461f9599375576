"""Backbone registry: a decorator, a spec per backbone, and one `build` door in (timm-style)."""

from __future__ import annotations

import fnmatch
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from compete.common.errors import DataError

# How raw 0-255 RGB pixels are scaled: [0, 1], [-1, 1], BGR mean-subtracted, ImageNet mean/std, or not at all
# (a backbone that scales them itself, such as a keras-hub preset with its image converter).
PREPROCESSING_MODES = ("unit", "tf", "caffe", "torch", "raw")


@dataclass(frozen=True)
class BackboneSpec:
    """What travels with a backbone.

    Args:
        name: registry name.
        factory: `factory(input_shape, weights) -> keras.Model` mapping preprocessed
            images to a feature map; `weights` is "imagenet" or None.
        preprocessing: how raw 0-255 RGB pixels are scaled for it (see PREPROCESSING_MODES).
        blocks: layer-name prefixes of its blocks, input to output; `partial`
            fine-tuning unfreezes the last N.
        pretrained: whether `weights="imagenet"` is available.
        min_size: smallest input side the architecture accepts.
        description: one line for `compete backbones`.
        unavailable: `unavailable(error) -> message` when its pretrained weights cannot be fetched, for a backbone
            whose weights come from elsewhere than the Keras cache (default: the Keras cache message).
    """

    name: str
    factory: Callable
    preprocessing: str = "unit"
    blocks: tuple[str, ...] = ()
    pretrained: bool = False
    min_size: int = 1
    description: str = ""
    unavailable: Callable[[Exception], str] | None = None


_REGISTRY: dict[str, BackboneSpec] = {}
_PREFIXES: dict[str, Callable[[str], BackboneSpec]] = {}


def register_backbone(name: str | None = None, **spec_fields):
    """Decorator registering `factory(input_shape, weights)` as a backbone.

    Example:
        >>> @register_backbone("my_net", preprocessing="tf", blocks=("b1", "b2"))
        ... def my_net(input_shape, weights=None): ...
    """
    def wrap(factory):
        key = name or factory.__name__
        if spec_fields.get("preprocessing", "unit") not in PREPROCESSING_MODES:
            raise ValueError(f"preprocessing must be one of {PREPROCESSING_MODES}")
        _REGISTRY[key] = BackboneSpec(name=key, factory=factory, **spec_fields)
        factory.backbone_spec = _REGISTRY[key]
        return factory
    return wrap


def register_prefix(prefix: str, resolve: Callable[[str], BackboneSpec]) -> None:
    """Backbones named `PREFIX:REST`, their spec made by `resolve(REST)` (e.g. `hub:` for keras-hub presets)."""
    _PREFIXES[prefix] = resolve


def list_backbones(pattern: str = "*") -> list[str]:
    """Registered names matching a shell-style pattern, sorted."""
    return sorted(n for n in _REGISTRY if fnmatch.fnmatch(n, pattern))


def get_spec(name: str) -> BackboneSpec:
    """The spec for a registered name or a `package.module:factory` reference."""
    if name in _REGISTRY:
        return _REGISTRY[name]
    prefix, colon, rest = name.partition(":")
    if colon and prefix in _PREFIXES:
        return _PREFIXES[prefix](rest)
    if ":" in name:
        return _import_reference(name)
    raise ValueError(f"Unknown backbone {name!r}; available: {', '.join(list_backbones())} "
                     "(or pass package.module:factory, or hub:PRESET for a keras-hub preset)")


def _import_reference(reference: str) -> BackboneSpec:
    module_name, _, attribute = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"cannot import backbone module {module_name!r}: {error}") from None
    factory = getattr(module, attribute, None)
    if factory is None:
        raise ValueError(f"module {module_name!r} has no attribute {attribute!r}")
    spec = getattr(factory, "backbone_spec", None)
    return spec if spec is not None else BackboneSpec(name=reference, factory=factory,
                                                       description=f"from {reference}")


def build_backbone(name: str, input_shape, weights: str | None = None):
    """Build the feature extractor; `weights` is "imagenet", a local weights file, or None."""
    import keras

    spec = get_spec(name)
    if input_shape[0] < spec.min_size:
        raise ValueError(f"backbone {spec.name!r} needs inputs of at least {spec.min_size} px, got {input_shape[0]}")
    if weights in (None, "none", "None", ""):
        return spec.factory(input_shape=tuple(input_shape), weights=None)
    if weights == "imagenet":
        if not spec.pretrained:
            raise ValueError(f"backbone {spec.name!r} has no ImageNet weights; use weights=None or a file")
        return spec.factory(input_shape=tuple(input_shape), weights="imagenet")
    path = Path(weights)
    if not path.is_file():
        raise DataError(path, "weights file not found")
    model = spec.factory(input_shape=tuple(input_shape), weights=None)
    try:
        model.load_weights(path)
    except (ValueError, OSError) as error:
        raise DataError(path, f"weights do not fit backbone {spec.name!r}: {error}") from None
    return model


def keras_weights_cache() -> Path:
    """Where Keras keeps downloaded ImageNet weights (`$KERAS_HOME/models`, by default `~/.keras/models`)."""
    import os

    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "models"


def first_line(error: Exception) -> str:
    """An error's first line of text, or its type's name when it has none: for one-line messages."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def resolve_weights(name: str, image_size: int, weights: str | None) -> None:
    """Build the backbone once with `weights`, so a download or file problem is one line before any training.

    ImageNet weights come from the Keras cache or the network; Kaggle code competitions run
    offline, so the way out is named: a local weights file, or no weights.
    """
    if weights is None:
        return
    try:
        build_backbone(name, (image_size, image_size, 3), weights)
    except (DataError, ValueError):
        raise
    except Exception as error:  # keras.utils.get_file raises a bare Exception when the fetch fails
        if weights != "imagenet":
            raise
        spec = get_spec(name)
        if spec.unavailable is not None:
            raise DataError(None, spec.unavailable(error)) from None
        # Keras says "URL fetch failure on <url>: <errno> -- <reason>"
        reason = first_line(error).split(" -- ", 1)[-1][:160]
        raise DataError(None, f"ImageNet weights for backbone {name!r} could not be loaded, a network or cache "
                              f"problem ({reason}); Keras looks for them in {keras_weights_cache()} and downloads "
                              "them when missing. Use --weights PATH (a local weights file, for example one attached "
                              "as a Kaggle dataset) or --weights none (train from scratch)") from None
