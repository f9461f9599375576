"""Small from-scratch CNNs: fast on CPU, for tests, demos and no-pretraining competitions."""

from __future__ import annotations

from compete.common.models.backbones.registry import register_backbone


def conv_stack(input_shape, widths, name: str):
    """VGG-style blocks (two 3x3 conv + batch norm + ReLU, then 2x2 max-pool), one per width.

    Batch-norm momentum 0.9, not Keras' 0.99: from scratch on a few hundred images the
    moving statistics would otherwise lag the weights and wreck validation.
    """
    import keras
    from keras import layers

    inputs = keras.Input(input_shape)
    x = inputs
    for i, width in enumerate(widths, start=1):
        for j in (1, 2):
            x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"block{i}_conv{j}")(x)
            x = layers.BatchNormalization(momentum=0.9, name=f"block{i}_bn{j}")(x)
            x = layers.Activation("relu", name=f"block{i}_relu{j}")(x)
        x = layers.MaxPooling2D(name=f"block{i}_pool")(x)
    return keras.Model(inputs, x, name=name)


@register_backbone("small_cnn", preprocessing="unit", blocks=("block1_", "block2_", "block3_", "block4_"),
                   min_size=16, description="4 VGG-style blocks (16-32-64-128), from scratch, 0.3M params")
def small_cnn(input_shape, weights=None):
    return conv_stack(input_shape, (16, 32, 64, 128), "small_cnn")


@register_backbone("tiny_cnn", preprocessing="unit", blocks=("block1_", "block2_", "block3_"),
                   min_size=8, description="3 VGG-style blocks (8-16-32), from scratch; for tests")
def tiny_cnn(input_shape, weights=None):
    return conv_stack(input_shape, (8, 16, 32), "tiny_cnn")
