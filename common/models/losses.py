"""Losses beyond Keras' own: focal loss for single-label softmax outputs (keras.ops only)."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="compete")
class CategoricalFocalLoss(keras.losses.Loss):
    """Focal loss (Lin et al. 2017): -sum_c alpha_c y_c (1 - p_c)^gamma log p_c, per row.

    gamma=0 with no alpha is categorical cross-entropy; `alpha` (one weight per class,
    e.g. balanced class weights) scales each class's term.

    Args:
        gamma: focusing power; larger down-weights well-classified rows more.
        alpha: per-class weights (list of floats) or None.
        from_logits: whether predictions are logits instead of probabilities.
    """

    def __init__(self, gamma: float = 2.0, alpha=None, from_logits: bool = False, epsilon: float = 1e-7,
                 name: str = "categorical_focal_loss", reduction: str = "sum_over_batch_size", **kwargs):
        super().__init__(name=name, reduction=reduction, **kwargs)
        self.gamma = float(gamma)
        self.alpha = None if alpha is None else [float(a) for a in alpha]
        self.from_logits = bool(from_logits)
        self.epsilon = float(epsilon)

    def call(self, y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        if self.from_logits:
            log_p = ops.log_softmax(y_pred, axis=-1)
            p = ops.exp(log_p)
        else:
            p = ops.clip(y_pred / ops.sum(y_pred, axis=-1, keepdims=True), self.epsilon, 1.0 - self.epsilon)
            log_p = ops.log(p)
        term = -y_true * ops.power(1.0 - p, self.gamma) * log_p
        if self.alpha is not None:
            term = term * ops.convert_to_tensor(self.alpha, dtype=y_pred.dtype)
        return ops.sum(term, axis=-1)

    def get_config(self):
        return {**super().get_config(), "gamma": self.gamma, "alpha": self.alpha,
                "from_logits": self.from_logits, "epsilon": self.epsilon}
