"""The camp's default from-scratch CNN: VGG-style blocks whose batch-norm statistics follow training closely.

Keras' default batch-norm momentum (0.99) averages over ~100 steps; a from-scratch net on a
few hundred images changes faster than that, so its inference-mode statistics lag and
validation collapses. Momentum 0.9 (~10 steps) tracks it.
"""

from __future__ import annotations

from common.backbones import register_backbone


def _blocks(input_shape, widths, name, momentum=0.9):
    import keras
    from keras import layers

    inputs = keras.Input(input_shape)
    x = inputs
    for i, width in enumerate(widths, start=1):
        for j in (1, 2):
            x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"block{i}_conv{j}")(x)
            x = layers.BatchNormalization(momentum=momentum, name=f"block{i}_bn{j}")(x)
            x = layers.Activation("relu", name=f"block{i}_relu{j}")(x)
        x = layers.MaxPooling2D(name=f"block{i}_pool")(x)
    return keras.Model(inputs, x, name=name)


@register_backbone("camp_cnn", preprocessing="unit", blocks=("block1_", "block2_", "block3_", "block4_"), min_size=16,
                   description="4 VGG-style blocks (32-64-128-256), batch-norm momentum 0.9, from scratch")
def camp_cnn(input_shape, weights=None):
    return _blocks(input_shape, (32, 64, 128, 256), "camp_cnn")


@register_backbone("camp_cnn_tiny", preprocessing="unit", blocks=("block1_", "block2_", "block3_"), min_size=8,
                   description="3 VGG-style blocks (16-32-64), batch-norm momentum 0.9, from scratch; fast on CPU")
def camp_cnn_tiny(input_shape, weights=None):
    return _blocks(input_shape, (16, 32, 64), "camp_cnn_tiny")
