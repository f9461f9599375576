"""Fit one fold: the two-stage fine-tuning schedule, early stopping, best weights, LR schedule, CSV log."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import keras
import numpy as np

from compete.common.io import atomic
from compete.common.logs import logger
from compete.common.models.finetune import set_trainable
from compete.common import interrupts
from compete.common.training.options import OPTIMIZERS, SCHEDULES, FitOptions


def verbosity() -> int:
    """Keras progress bars on a terminal, one line per epoch otherwise (logs, CI), nothing under -q."""
    import logging

    from compete.common.logs import terminal_level

    if terminal_level() > logging.INFO:
        return 0
    return 1 if sys.stdout.isatty() else 2


def seed_everything(seed: int) -> None:
    """Python, NumPy and backend random state (weights init, dropout)."""
    keras.utils.set_random_seed(int(seed))


class BestWeights(keras.callbacks.Callback):
    """Keeps the weights of the best epoch across stages, in memory."""

    def __init__(self, monitor: str = "val_loss", mode: str = "min"):
        super().__init__()
        self.monitor, self.sign = monitor, (1.0 if mode == "min" else -1.0)
        self.best, self.best_weights, self.best_epoch = math.inf, None, None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or not np.isfinite(value):
            return
        if self.sign * value < self.best:
            self.best, self.best_epoch = self.sign * value, epoch
            self.best_weights = [np.array(w) for w in self.model.get_weights()]

    def restore(self) -> None:
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def step_decay(learning_rate: float, epoch: int, epochs: int) -> float:
    """Step schedule: divide by 10 at 50% and again at 75% of the epochs (He et al. 2016 on CIFAR)."""
    drops = sum(epoch >= int(round(epochs * milestone)) for milestone in (0.5, 0.75))
    return learning_rate * 0.1 ** drops


def one_cycle(learning_rate: float, progress: float, warmup: float = 0.3, div: float = 25.0,
              final_div: float = 1e4) -> float:
    """One-cycle (Smith 2018) at `progress` in [0, 1]: cosine warm-up from lr/div to lr, then cosine down to lr/(div*final_div)."""
    start, end = learning_rate / div, learning_rate / (div * final_div)
    if progress < warmup:
        t = progress / warmup
        return start + (learning_rate - start) * 0.5 * (1 - math.cos(math.pi * t))
    t = min(1.0, (progress - warmup) / max(1e-12, 1 - warmup))
    return end + (learning_rate - end) * 0.5 * (1 + math.cos(math.pi * t))


class OneCycle(keras.callbacks.Callback):
    """Sets the one-cycle learning rate before every batch (it changes within epochs)."""

    def __init__(self, learning_rate: float, epochs: int):
        super().__init__()
        self.learning_rate, self.epochs, self.epoch = learning_rate, epochs, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        steps = self.params.get("steps") or 1
        progress = (self.epoch * steps + batch) / max(1, self.epochs * steps)
        self.model.optimizer.learning_rate = one_cycle(self.learning_rate, progress)


def _schedule(name: str, learning_rate: float, epochs: int, patience: int):
    if name == "plateau":
        return keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=max(1, patience // 2), min_lr=learning_rate / 100)
    if name == "cosine":
        return keras.callbacks.LearningRateScheduler(
            lambda epoch: learning_rate * 0.5 * (1 + math.cos(math.pi * epoch / max(1, epochs))))
    if name == "constant":
        return None
    if name == "step":
        return keras.callbacks.LearningRateScheduler(lambda epoch: step_decay(learning_rate, epoch, epochs))
    if name == "onecycle":
        return OneCycle(learning_rate, epochs)
    raise ValueError(f"lr_schedule must be one of {', '.join(SCHEDULES)}; got {name!r}")


def make_optimizer(name: str, learning_rate: float, momentum: float = 0.9):
    """Adam, or SGD with Nesterov momentum."""
    if name == "adam":
        return keras.optimizers.Adam(learning_rate)
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate, momentum=momentum, nesterov=True)
    raise ValueError(f"Unknown optimizer {name!r}; available: {', '.join(OPTIMIZERS)}")


class HistoryCSV(keras.callbacks.Callback):
    """Keras' CSVLogger, but the file is rewritten atomically after every epoch, never half-written."""

    def __init__(self, path):
        super().__init__()
        self.path, self.rows = Path(path), []

    def on_epoch_end(self, epoch, logs=None):
        import pandas as pd

        self.rows.append({"epoch": epoch, **{k: float(v) for k, v in (logs or {}).items()}})
        atomic.write_csv(self.path, pd.DataFrame(self.rows))


def stages(options: FitOptions, pretrained: bool) -> list[tuple[str, int, float]]:
    """(fine-tuning mode, epochs, learning rate) per stage.

    Pretrained: train the head on a frozen base, then (for `partial` / `full`)
    unfreeze at a lower learning rate. From scratch: one stage, everything trains.
    """
    if not pretrained:
        return [("full", options.epochs, options.learning_rate)]
    if options.fine_tune == "head":
        return [("head", options.epochs, options.learning_rate)]
    return [("head", options.head_epochs, options.learning_rate),
            (options.fine_tune, options.epochs, options.learning_rate * options.fine_tune_lr_factor)]


def _fresh(metric):
    """A metric for one `compile`: names and instances as given, a factory (a function of no arguments) called, so
    that no metric object, and none of its state, is shared between the models of two units."""
    return metric() if callable(metric) and not isinstance(metric, keras.metrics.Metric) else metric


def fit(model: keras.Model, train, valid, out_dir, options: FitOptions, *, loss, metrics=(), blocks=(),
        pretrained=False,
        monitor: str = "val_loss", mode: str = "min", class_weight: dict | None = None,
        verbose: int | None = None, jit_compile="auto", weighted_metrics: bool = False) -> dict:
    """Train `model` in place on `train`, validating on `valid`, and keep the best epoch's weights.

    `metrics` are Keras metric names or factories of metric objects (one fresh object per stage).
    `jit_compile` is `model.compile`'s (XLA: True, False or Keras' "auto"); a model built under
    mixed_float16 gets a loss-scaling optimiser from `compile` itself. `weighted_metrics` weighs
    the metrics by the batches' sample weights (and class weights), as the loss always is: Keras
    leaves plain `metrics` unweighted. Writes `history_<stage>.csv` into `out_dir`; returns a
    summary of the best epoch.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    verbose = verbosity() if verbose is None else verbose
    best = BestWeights(monitor, mode)
    for stage, epochs, learning_rate in stages(options, pretrained):
        if epochs <= 0:
            continue
        set_trainable(model, stage, blocks, options.unfreeze_blocks, freeze_batchnorm=pretrained)
        model.compile(optimizer=make_optimizer(options.optimizer, learning_rate, options.momentum), loss=loss,
                      **{"weighted_metrics" if weighted_metrics else "metrics": [_fresh(m) for m in metrics]},
                      jit_compile=jit_compile)
        callbacks = [interrupts.keras_callback(), best,
                     keras.callbacks.EarlyStopping(monitor=monitor, mode=mode, patience=options.patience),
                     HistoryCSV(out_dir / f"history_{stage}.csv")]
        schedule = _schedule(options.lr_schedule, learning_rate, epochs, options.patience)
        if schedule is not None:
            callbacks.append(schedule)
        logger.info(f"  stage {stage}: {epochs} epoch(s) at learning rate {learning_rate:g}")
        model.fit(train, validation_data=valid, epochs=epochs, callbacks=callbacks, verbose=verbose,
                  class_weight=class_weight)
    best.restore()
    return {"best_" + monitor: best.sign * best.best if best.best_weights is not None else None,
            "best_epoch": best.best_epoch}
