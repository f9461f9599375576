"""The Keras code of the from-scratch CIFAR CNNs (registered in `cifar.py`, which imports this only to build one)."""

from __future__ import annotations

import keras
from keras import layers, ops

# PyTorch's default (its momentum 0.1), as in the reference CIFAR training of these nets. Keras' 0.99
# averages over ~100 steps and lags a from-scratch net on a subset (58 steps per epoch on 3,728 images):
# validation sat at chance after the first epoch.
BN_MOMENTUM = 0.9


@keras.saving.register_keras_serializable(package="compete")
class ChannelPad(layers.Layer):
    """Zero channels added on both sides: the parameter-free shortcut ("option A") of the CIFAR ResNets."""

    def __init__(self, extra: int, **kwargs):
        super().__init__(**kwargs)
        self.extra = int(extra)

    def call(self, x):
        before = self.extra // 2
        return ops.pad(x, [[0, 0], [0, 0], [0, 0], [before, self.extra - before]])

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], None if input_shape[-1] is None else input_shape[-1] + self.extra)

    def get_config(self):
        return {**super().get_config(), "extra": self.extra}


def lenet5(input_shape, weights=None):
    inputs = keras.Input(input_shape)
    x = inputs
    for i, width in enumerate((6, 16), start=1):
        x = layers.Conv2D(width, 5, activation="relu", name=f"block{i}_conv")(x)
        x = layers.MaxPooling2D(name=f"block{i}_pool")(x)
    x = layers.Flatten(name="fc_flatten")(x)
    x = layers.Dense(120, activation="relu", name="fc_1")(x)
    x = layers.Dense(84, activation="relu", name="fc_2")(x)
    # A 1x1 "feature map", so the shared pooling head adds only the final 84 -> classes layer.
    x = layers.Reshape((1, 1, 84), name="fc_map")(x)
    return keras.Model(inputs, x, name="lenet5")


def deep_cnn(input_shape, weights=None):
    inputs = keras.Input(input_shape)
    x = inputs
    for i, (width, drop) in enumerate(((32, 0.2), (64, 0.3), (128, 0.4)), start=1):
        for j in (1, 2):
            x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"block{i}_conv{j}")(x)
            x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"block{i}_bn{j}")(x)
            x = layers.Activation("relu", name=f"block{i}_relu{j}")(x)
        x = layers.MaxPooling2D(name=f"block{i}_pool")(x)
        x = layers.Dropout(drop, name=f"block{i}_dropout")(x)
    return keras.Model(inputs, x, name="deep_cnn")


def _conv_settings(weight_decay: float) -> dict:
    """The ResNets' 3x3 convolutions: same padding, no bias (batch norm follows), He init, L2 on the kernel."""
    return dict(padding="same", use_bias=False, kernel_initializer="he_normal",
                kernel_regularizer=keras.regularizers.L2(weight_decay) if weight_decay else None)


def cifar_resnet(input_shape, depth: int, weight_decay: float = 1e-4, name: str | None = None) -> keras.Model:
    """The 6n+2-layer CIFAR ResNet (He et al. 2016, sec. 4.2): 3 stages of n basic blocks, 16-32-64 filters.

    Shortcuts that halve the map are parameter-free (subsample + zero channels), so
    ResNet-20 has exactly 19 conv layers before the classifier's dense layer.
    """
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(f"CIFAR ResNet depth must be 6n+2 (20, 32, 44, 56, 110), got {depth}")
    n = (depth - 2) // 6
    conv = _conv_settings(weight_decay)
    inputs = keras.Input(input_shape)
    x = layers.Conv2D(16, 3, name="stem_conv", **conv)(inputs)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name="stem_bn")(x)
    x = layers.Activation("relu", name="stem_relu")(x)
    width_in = 16
    for stage, width in enumerate((16, 32, 64), start=1):
        for block in range(1, n + 1):
            prefix = f"stage{stage}_block{block}_"
            stride = 2 if stage > 1 and block == 1 else 1
            y = layers.Conv2D(width, 3, strides=stride, name=prefix + "conv1", **conv)(x)
            y = layers.BatchNormalization(momentum=BN_MOMENTUM, name=prefix + "bn1")(y)
            y = layers.Activation("relu", name=prefix + "relu1")(y)
            y = layers.Conv2D(width, 3, name=prefix + "conv2", **conv)(y)
            y = layers.BatchNormalization(momentum=BN_MOMENTUM, name=prefix + "bn2")(y)
            shortcut = x
            if stride != 1:
                shortcut = layers.MaxPooling2D(1, strides=stride, name=prefix + "subsample")(shortcut)
            if width != width_in:
                shortcut = ChannelPad(width - width_in, name=prefix + "pad")(shortcut)
            x = layers.Add(name=prefix + "add")([shortcut, y])
            x = layers.Activation("relu", name=prefix + "out")(x)
            width_in = width
    return keras.Model(inputs, x, name=name or f"resnet{depth}")


def resnet9(input_shape, width: int = 64, weight_decay: float = 5e-4, name: str | None = None) -> keras.Model:
    """The fast CIFAR ResNet-9 (Page 2018, "How to train your ResNet"): widths w-2w-4w-8w, residuals after stages 1 and 3.

    Few layers at full resolution and wide late stages make it train quickly per epoch,
    which is what counts on a small set and a CPU budget.
    """
    conv = _conv_settings(weight_decay)

    def conv_bn(x, filters, prefix, pool=False):
        x = layers.Conv2D(filters, 3, name=prefix + "conv", **conv)(x)
        if pool:
            x = layers.MaxPooling2D(name=prefix + "pool")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=prefix + "bn")(x)
        return layers.Activation("relu", name=prefix + "relu")(x)

    inputs = keras.Input(input_shape)
    x = conv_bn(inputs, width, "stem_")
    for stage, (factor, residual) in enumerate(((2, True), (4, False), (8, True)), start=1):
        prefix = f"stage{stage}_"
        x = conv_bn(x, width * factor, prefix, pool=True)
        if residual:
            y = conv_bn(x, width * factor, prefix + "res1_")
            y = conv_bn(y, width * factor, prefix + "res2_")
            x = layers.Add(name=prefix + "add")([x, y])
    return keras.Model(inputs, x, name=name or f"resnet9_w{width}")
