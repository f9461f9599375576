"""Backbones: registered feature extractors with their preprocessing and fine-tuning blocks."""

from common.backbones.registry import (BackboneSpec, build_backbone, get_spec, list_backbones,
                                       register_backbone)

__all__ = ["BackboneSpec", "build_backbone", "get_spec", "list_backbones", "register_backbone"]
