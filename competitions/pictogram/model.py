"""The camp's default from-scratch CNNs: the shared VGG-style conv stack at the camp's widths.

The stack's batch-norm momentum is 0.9 (about 10 steps), not Keras' 0.99: a from-scratch net
on a few hundred images changes faster than 100 steps, and lagging statistics wreck validation.
"""

from __future__ import annotations

from compete.common.models.backbones import register_backbone
from compete.common.models.backbones.small_cnn import conv_stack


@register_backbone("camp_cnn", preprocessing="unit", blocks=("block1_", "block2_", "block3_", "block4_"), min_size=16,
                   description="4 VGG-style blocks (32-64-128-256), batch-norm momentum 0.9, from scratch")
def camp_cnn(input_shape, weights=None):
    return conv_stack(input_shape, (32, 64, 128, 256), "camp_cnn")


@register_backbone("camp_cnn_tiny", preprocessing="unit", blocks=("block1_", "block2_", "block3_"), min_size=8,
                   description="3 VGG-style blocks (16-32-64), batch-norm momentum 0.9, from scratch; fast on CPU")
def camp_cnn_tiny(input_shape, weights=None):
    return conv_stack(input_shape, (16, 32, 64), "camp_cnn_tiny")
