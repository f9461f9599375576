"""The image pipelines' fold model: a Keras classifier trained on image files or arrays, predicted with TTA."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from compete.common.data import augment
from compete.common.data.images import ImageDataset, as_source
from compete.common.io import atomic
from compete.common.training import devices, fitting, precision
from compete.common.training.options import ComputeOptions, FitOptions, LoaderOptions, PredictOptions
from compete.common.training.predict import predict_files

MODEL_FILE = "model.keras"


class ImageLearner:
    """Fits `build_model()` on a unit's rows and predicts rows with dihedral TTA.

    Args:
        build_model: `() -> keras.Model`, a fresh model from raw 0-255 images to outputs.
        settings: what else the trained model depends on (backbone, loss, ...), for the unit's key.
        fit: the fitting options; loader: how images are fed; predict: TTA views.
        compute: the dtype policy the model is built under, XLA compilation, and the local devices
            every batch is split across (data-parallel, JAX) for fitting and prediction.
        loss, metrics: compiled into the model for training.
        blocks, pretrained: the backbone's blocks and whether it starts from pretrained weights.
        fallback: the prediction row of a test image that cannot be read (e.g. the training prior).
        resample: `(train_rows, seed) -> rows` over/undersampling of the training rows.
        class_weight: passed to `fit`.
        batch_transform: `(images, targets, seed) -> (images, targets)` on training batches (MixUp, CutMix).
    """

    uses_validation = True  # early stopping and the best epoch's weights look at the validation rows

    def __init__(self, build_model: Callable, *, settings: dict, fit: FitOptions, loader: LoaderOptions,
                 predict: PredictOptions, compute: ComputeOptions = ComputeOptions(), loss, metrics=(), blocks=(), pretrained: bool = False, fallback=None,
                 resample: Callable | None = None, class_weight: dict | None = None,
                 batch_transform: Callable | None = None):
        self.build_model, self._settings = build_model, dict(settings)
        self.fit_options, self.loader, self.predict_options = fit, loader, predict
        self.loss, self.metrics, self.blocks, self.pretrained = loss, list(metrics), tuple(blocks), pretrained
        self.fallback, self.resample, self.class_weight, self.batch_transform = fallback, resample, class_weight, \
            batch_transform
        self.augmenter = augment.build(loader.augment)
        self.compute, self.devices = compute, devices.select(compute.devices)

    def settings(self) -> dict:
        return {**self._settings, **self.fit_options.to_dict(), "image_size": self.loader.image_size,
                "batch_size": self.loader.batch_size, "augment": list(self.loader.augment)}

    def prediction_settings(self) -> dict:
        return {"tta": self.predict_options.tta, "image_size": self.loader.image_size}

    def fit(self, data, train_rows, valid_rows, seed: int, workdir: Path):
        fitting.seed_everything(seed)
        if self.resample is not None:
            train_rows = self.resample(train_rows, seed)
        source, options, count = as_source(data.inputs), self.loader, self.devices.count
        train = ImageDataset(source[train_rows], data.targets[train_rows], image_size=options.image_size,
                             batch_size=options.batch_size, augment=self.augmenter, shuffle=True, seed=seed,
                             cache=options.cache, workers=options.workers, batch_transform=self.batch_transform,
                             devices=count, top_up=True)
        valid = ImageDataset(source[valid_rows], data.targets[valid_rows], image_size=options.image_size,
                             batch_size=options.batch_size, cache=options.cache, workers=options.workers,
                             devices=count)
        policy = precision.resolve(self.compute.precision)
        with self.devices.scope():
            with precision.dtype_policy(policy):
                model = self.build_model()
            summary = fitting.fit(model, train, valid, workdir, self.fit_options, loss=self.loss,
                                  metrics=self.metrics, blocks=self.blocks, pretrained=self.pretrained,
                                  class_weight=self.class_weight,
                                  jit_compile=precision.jit_compile(self.compute.jit_compile),
                                  weighted_metrics=count > 1)  # validation pads weigh nothing
        return model, {**summary, "rows_per_epoch": int(len(train_rows)), "precision": policy, "devices": count}

    def predict(self, model, data, rows) -> tuple[np.ndarray, list[int]]:
        with self.devices.scope():
            return predict_files(model, as_source(data.inputs)[rows], image_size=self.loader.image_size,
                                 batch_size=self.loader.batch_size, views=self.predict_options.tta,
                                 fallback=self.fallback, workers=self.loader.workers, verbose=fitting.verbosity(),
                                 devices=self.devices.count)

    def save(self, model, workdir: Path) -> None:
        with atomic.atomic_path(Path(workdir) / MODEL_FILE) as tmp:
            model.save(tmp)

    def load(self, workdir: Path):
        return load_model(workdir, self.devices, self.compute.jit_compile)


def load_model(workdir, on: devices.Devices = devices.Devices(), jit_compile: str = "auto"):
    """A unit's saved model (`workdir/model.keras`), its weights placed on `on`'s devices; `jit_compile` as fitted."""
    import keras

    from compete.common.models import serializable  # custom layers known before loading

    serializable.prepare(Path(workdir) / MODEL_FILE)
    with on.scope():  # the weights are placed as the distribution wants them
        model = keras.saving.load_model(Path(workdir) / MODEL_FILE, compile=False)
    jit = precision.jit_compile(jit_compile)
    if jit != "auto":  # predict as the fitted model did: XLA and plain kernels round 16-bit floats differently
        model.jit_compile = jit
    return model


def image_split(ids, images, targets=None, digest_cache=None):
    """The engine's view of image rows: files are fingerprinted by content (cached by size and mtime), arrays by row."""
    from compete.common.data.images import is_array_source
    from compete.common.runs import fingerprint
    from compete.common.runs.engine import Split

    content = fingerprint.of_arrays(images) if is_array_source(images) else fingerprint.of_files(images, digest_cache)
    return Split(np.asarray([str(i) for i in ids]), images, targets, content)
