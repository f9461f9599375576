"""Backbones: registered feature extractors with their preprocessing and fine-tuning blocks.

The built-in backbones register themselves here, on import of the package, so the
registry is complete without any lazy import.
"""

from compete.common.models.backbones.registry import (BackboneSpec, build_backbone, get_spec, list_backbones,
                                                      register_backbone, resolve_weights)
from compete.common.models.backbones import applications, cifar, hub, small_cnn  # noqa: E402,F401  (they register)

__all__ = ["BackboneSpec", "build_backbone", "get_spec", "list_backbones", "register_backbone", "resolve_weights"]
