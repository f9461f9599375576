"""Which backbone layers train: `head` (frozen base), `partial` (last N blocks) or `full`."""

from __future__ import annotations

import keras

MODES = ("head", "partial", "full")


def set_trainable(model: keras.Model, mode: str, blocks: tuple[str, ...] = (), unfreeze_blocks: int = 1,
                  freeze_batchnorm: bool = True) -> int:
    """Freeze/unfreeze the layer named "backbone" in place; returns how many of its layers train.

    Batch-norm layers stay frozen when `freeze_batchnorm` (the usual choice when
    fine-tuning pretrained weights on a small data set).
    """
    if mode not in MODES:
        raise ValueError(f"fine-tuning mode must be one of {MODES}, got {mode!r}")
    base = model.get_layer("backbone")
    if mode == "head":
        base.trainable = False
        return 0
    base.trainable = True
    if mode == "partial":
        if not blocks:
            raise ValueError("this backbone declares no blocks, so 'partial' fine-tuning is not possible; "
                             "use 'head' or 'full'")
        if not 1 <= unfreeze_blocks <= len(blocks):
            raise ValueError(f"unfreeze_blocks must be between 1 and {len(blocks)}, got {unfreeze_blocks}")
        open_prefixes = tuple(blocks[-unfreeze_blocks:])
    trained = 0
    for layer in base.layers:
        trainable = mode == "full" or layer.name.startswith(open_prefixes)
        if freeze_batchnorm and isinstance(layer, keras.layers.BatchNormalization):
            trainable = False
        layer.trainable = trainable
        trained += bool(trainable and layer.weights)
    return trained
