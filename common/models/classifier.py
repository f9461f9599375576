"""Image classifier = preprocessing layer + registered backbone + pooling head (keras-hub's task)."""

from __future__ import annotations

import re

import keras
from keras import layers, ops

from compete.common.models.backbones import build_backbone, get_spec

_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_TORCH_MEAN, _TORCH_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


@keras.saving.register_keras_serializable(package="compete")
class Preprocess(layers.Layer):
    """Raw 0-255 RGB pixels to what a backbone expects, inside the model so saved models take raw images."""

    def __init__(self, mode: str = "unit", **kwargs):
        super().__init__(**kwargs)
        self.mode = mode

    def call(self, x):
        x = ops.cast(x, self.compute_dtype)
        if self.mode == "raw":
            return x
        if self.mode == "unit":
            return x / 255.0
        if self.mode == "tf":
            return x / 127.5 - 1.0
        if self.mode == "caffe":
            return ops.flip(x, axis=-1) - ops.convert_to_tensor(_CAFFE_MEAN_BGR, self.compute_dtype)
        if self.mode == "torch":
            mean = ops.convert_to_tensor(_TORCH_MEAN, self.compute_dtype)
            std = ops.convert_to_tensor(_TORCH_STD, self.compute_dtype)
            return (x / 255.0 - mean) / std
        raise ValueError(f"unknown preprocessing mode {self.mode!r}")

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


def build_image_classifier(backbone: str, image_size: int, num_outputs: int, activation: str,
                           weights: str | None = None, dropout: float = 0.2) -> keras.Model:
    """A functional model whose layer named "backbone" is the feature extractor.

    The backbone runs with training=False when it starts from pretrained weights,
    so its batch-norm statistics stay frozen even once its weights are unfrozen.
    """
    spec = get_spec(backbone)
    inputs = keras.Input((image_size, image_size, 3), name="image")
    x = Preprocess(spec.preprocessing, name="preprocess")(inputs)
    base = build_backbone(backbone, (image_size, image_size, 3), weights)
    base.name = "backbone"
    x = base(x, training=False) if weights else base(x)
    pool = layers.GlobalAveragePooling1D if len(x.shape) == 3 else layers.GlobalAveragePooling2D  # tokens or a map
    x = pool(name="pool")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(num_outputs, activation=activation, name="head", dtype="float32")(x)
    # Keras names allow no "/": a `hub:/path/to/preset` backbone is named after its folder.
    name = re.sub(r"\W", "_", spec.name.rstrip("/").rsplit("/", 1)[-1].split(":")[-1]) or "backbone"
    return keras.Model(inputs, outputs, name=f"{name}_classifier")
