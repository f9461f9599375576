"""Fit one fold: the two-stage fine-tuning schedule, early stopping, best weights, LR schedule, CSV log."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import keras
import numpy as np

from common import atomic
from common.finetune import set_trainable


def verbosity() -> int:
    """Keras progress bars on a terminal, one line per epoch otherwise (logs, CI)."""
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


def _schedule(name: str, learning_rate: float, epochs: int, patience: int):
    if name == "plateau":
        return keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=max(1, patience // 2), min_lr=learning_rate / 100)
    if name == "cosine":
        return keras.callbacks.LearningRateScheduler(
            lambda epoch: learning_rate * 0.5 * (1 + math.cos(math.pi * epoch / max(1, epochs))))
    if name == "constant":
        return None
    raise ValueError(f"lr_schedule must be 'plateau', 'cosine' or 'constant', got {name!r}")


def stages(cfg, pretrained: bool) -> list[tuple[str, int, float]]:
    """(fine-tuning mode, epochs, learning rate) per stage.

    Pretrained: train the head on a frozen base, then (for `partial` / `full`)
    unfreeze at a lower learning rate. From scratch: one stage, everything trains.
    """
    if not pretrained:
        return [("full", cfg.epochs, cfg.learning_rate)]
    if cfg.fine_tune == "head":
        return [("head", cfg.epochs, cfg.learning_rate)]
    return [("head", cfg.head_epochs, cfg.learning_rate),
            (cfg.fine_tune, cfg.epochs, cfg.learning_rate * cfg.fine_tune_lr_factor)]


def fit(model: keras.Model, train, valid, out_dir, cfg, *, loss, metrics=(), blocks=(), pretrained=False,
        monitor: str = "val_loss", mode: str = "min", class_weight: dict | None = None,
        verbose: int | None = None) -> dict:
    """Train `model` in place on `train`, validating on `valid`; save the best to `out_dir/model.keras`.

    `cfg` supplies epochs, head_epochs, learning_rate, fine_tune, unfreeze_blocks,
    fine_tune_lr_factor, patience, lr_schedule. Returns a summary of the best epoch.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    verbose = verbosity() if verbose is None else verbose
    best = BestWeights(monitor, mode)
    for stage, epochs, learning_rate in stages(cfg, pretrained):
        if epochs <= 0:
            continue
        set_trainable(model, stage, blocks, cfg.unfreeze_blocks, freeze_batchnorm=pretrained)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=list(metrics))
        callbacks = [best, keras.callbacks.EarlyStopping(monitor=monitor, mode=mode, patience=cfg.patience),
                     keras.callbacks.CSVLogger(str(out_dir / f"history_{stage}.csv"))]
        schedule = _schedule(cfg.lr_schedule, learning_rate, epochs, cfg.patience)
        if schedule is not None:
            callbacks.append(schedule)
        if verbose:
            print(f"  stage {stage}: {epochs} epoch(s) at learning rate {learning_rate:g}", flush=True)
        model.fit(train, validation_data=valid, epochs=epochs, callbacks=callbacks, verbose=verbose,
                  class_weight=class_weight)
    best.restore()
    with atomic.atomic_path(out_dir / "model.keras") as tmp:
        model.save(tmp)
    return {"best_" + monitor: best.sign * best.best if best.best_weights is not None else None,
            "best_epoch": best.best_epoch}
