"""CIFAR-10 — 10 classes of 32x32 photos, accuracy.

Recipe: stratified K-fold (or one stratified holdout) -> per seed and fold, train a
CIFAR CNN from scratch (or fine-tune any backbone at an upscaled size) with
pad-crop / flip / Cutout / MixUp / CutMix -> OOF and test predictions with flip TTA
-> OOF accuracy per fold, per seed and of the seed ensemble -> `id,label` in numeric id order.
Reads the Kaggle layout (PNG files) or the python batches (arrays in memory).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from compete.common.io import atomic
from compete.common.runs import folds
from compete.common import submission
from compete.common.config import ImageCVConfig
from compete.common.errors import DataError
from compete.common.runs.rundir_REMOVED import RunDir
from compete.competitions.cifar10 import layout, sample_data
from compete.competitions.cifar10.classes import CLASSES, VOCABULARY
from compete.competitions.cifar10.format import FORMAT, KAGGLE_SLUG
from compete.competitions.cifar10.metric import accuracy_of
from compete.common.submission import kaggle_command
from compete.pipelines.registry import Pipeline, register

COMPETITION = "cifar10"


@dataclass
class Cifar10Config(ImageCVConfig):
    """Defaults for the real data on one GPU: ResNet-20 from scratch, SGD + one-cycle, pad-crop + flip."""

    backbone: str = "resnet20"
    weights: str | None = None
    image_size: int = 32
    batch_size: int = 128
    epochs: int = 30
    learning_rate: float = 0.1
    lr_schedule: str = "onecycle"
    optimizer: str = "sgd"
    momentum: float = 0.9
    patience: int = 30
    dropout: float = 0.0
    augment: list[str] = dataclasses.field(default_factory=lambda: ["pad_crop", "hflip"])
    mix: str = ""
    mix_alpha: float = 1.0
    label_smoothing: float = 0.0
    holdout: float = 0.0
    tta: int = 2
    layout: str = "auto"


DEMO = dict(backbone="deep_cnn", weights=None, batch_size=64, epochs=6, patience=6, optimizer="adam",
            learning_rate=2e-3, lr_schedule="cosine", n_splits=3, tta=2, run="demo")


@dataclass
class CVResult:
    run_dir: Path
    scores: dict
    oof: np.ndarray
    test: np.ndarray | None
    test_set: layout.TestSet | None
    failed_test: list[int]


def cross_validate(cfg: Cifar10Config, log=print) -> CVResult:
    """K-fold (or holdout) train/predict, resuming finished folds; OOF accuracy per fold, seed and ensemble."""
    from compete.common.runs import cv_REMOVED as cv
    from compete.common.data.images import find_unreadable
    from compete.common.models.classifier import build_image_classifier

    mixer = _check_settings(cfg)
    train = layout.read_train(cfg.data, cfg.layout)
    if cfg.limit_train:
        train = train.head(cfg.limit_train)
    if not train.in_memory:
        bad = find_unreadable(train.images, workers=cfg.workers or None)
        if bad:
            raise DataError(bad[0][0], f"{bad[0][1]} ({len(bad)} training image(s) unreadable: "
                                       f"{', '.join(Path(p).name for p, _ in bad[:5])})")
    test = layout.read_test(cfg.data, cfg.layout)
    if test is None:
        log(f"no {layout.SAMPLE_SUBMISSION} in {cfg.data}: cross-validating without test predictions")
    run = RunDir(cfg.runs_dir, COMPETITION, cfg)
    run.record_config(cfg)
    split = f"a stratified {cfg.holdout:.0%} holdout" if cfg.holdout else f"{cfg.n_splits} folds"
    log(f"run {run.path}: {len(train.ids)} training images ({'arrays' if train.in_memory else 'files'}), "
        f"{0 if test is None else len(test.ids)} test images, {split} x {len(cfg.seeds)} seed(s), "
        f"{cfg.backbone} at {cfg.image_size}px")

    def folds_for_seed(seed):
        # K-fold: each seed reshuffles the folds. Holdout: one split for all seeds, so their ensemble is scored on it.
        make = (lambda: folds.stratified_holdout(train.labels, cfg.holdout, cfg.seeds[0])) if cfg.holdout else \
            (lambda: folds.stratified_folds(train.labels, cfg.n_splits, seed))
        return folds.load_or_create(run.path / f"seed{seed}" / "folds.csv", train.ids, make)

    def build_model():
        return build_image_classifier(cfg.backbone, cfg.image_size, len(CLASSES), "softmax", cfg.weights, cfg.dropout)

    import keras

    targets = np.eye(len(CLASSES), dtype=np.float32)[train.labels]
    prior = targets.mean(axis=0)
    out = cv.run(run, dataclasses.replace(cfg, n_splits=1) if cfg.holdout else cfg, paths=train.images,
                 targets=targets, folds_for_seed=folds_for_seed, test_paths=None if test is None else test.images,
                 build_model=build_model, loss=keras.losses.CategoricalCrossentropy(label_smoothing=cfg.label_smoothing),
                 metrics=["accuracy"], score=accuracy_of, fallback=prior,
                 batch_transform=mixer, log=log)
    scored = folds_for_seed(cfg.seeds[0]) >= 0
    scores = {
        "oof_accuracy": accuracy_of(train.labels[scored], out.oof[scored]),
        "oof_accuracy_single_seeds": [accuracy_of(train.labels[scored], o[scored]) for o in out.oof_by_seed],
        "rows_scored": int(scored.sum()),
    }
    if test is not None and test.labels is not None:
        scores["test_batch_accuracy"] = accuracy_of(test.labels, out.test)
    failed = [] if test is None else [int(test.ids[i]) for i in out.failed_test]
    atomic.save_npy(run.path / "oof.npy", out.oof)
    if out.test is not None:
        atomic.save_npy(run.path / "test.npy", out.test)
    atomic.write_json(run.path / "scores.json", {**scores, "folds": out.fold_scores, "unreadable_test_images": failed})
    _report(scores, out.fold_scores, failed, test, log)
    return CVResult(run.path, scores, out.oof, out.test, test, failed)


def _check_settings(cfg):
    """Unknown names fail before anything is read or written; returns the batch transform (or None)."""
    from compete.common.data import augment
    from compete.common.training import fitting as training
    from compete.common.models.backbones import get_spec

    get_spec(cfg.backbone)
    augment.build(cfg.augment)
    training.make_optimizer(cfg, cfg.learning_rate)
    if cfg.lr_schedule not in training.SCHEDULES:
        raise ValueError(f"Unknown lr_schedule {cfg.lr_schedule!r}; available: {', '.join(training.SCHEDULES)}")
    if not 0 <= cfg.label_smoothing < 1:
        raise ValueError(f"label_smoothing must be in [0, 1), got {cfg.label_smoothing}")
    return augment.build_batch_transform(cfg.mix, cfg.mix_alpha)


def _report(scores, fold_scores, failed, test, log):
    for row in fold_scores:
        log(f"  seed {row['seed']} fold {row['fold']}: OOF accuracy {row['score']:.4f}")
    for seed_no, value in enumerate(scores["oof_accuracy_single_seeds"]):
        log(f"  seed #{seed_no} alone: OOF accuracy {value:.4f}")
    what = "seed ensemble" if len(scores["oof_accuracy_single_seeds"]) > 1 else "CV"
    log(f"{what} OOF accuracy {scores['oof_accuracy']:.4f} over {scores['rows_scored']} images")
    if "test_batch_accuracy" in scores:
        log(f"test_batch accuracy {scores['test_batch_accuracy']:.4f}")
    if failed:
        log(f"{len(failed)} test image(s) could not be read and were given the training prior: "
            f"{[f'{i}{layout.EXTENSION}' for i in failed[:10]]}" + (" ..." if len(failed) > 10 else ""))


def submit(cfg: Cifar10Config, log=print) -> Path:
    """Cross-validate (reusing finished folds), then write submissions/cifar10/<run>.csv, checked, in numeric id order."""
    result = cross_validate(cfg, log)
    test = result.test_set
    if test is None:
        raise DataError(Path(cfg.data) / layout.SAMPLE_SUBMISSION, "needed to write a submission but not found")
    frame = pd.DataFrame({"id": test.ids.astype(str), "label": VOCABULARY.decode(result.test.argmax(axis=1))})
    path = Path(cfg.submissions_dir) / COMPETITION / f"{result.run_dir.name}.csv"
    submission.write(frame, path, test.sample, FORMAT)
    log(f"submission written and checked: {path} ({len(frame)} rows, ids {test.ids[0]}..{test.ids[-1]} in numeric order)")
    accuracy = result.scores["oof_accuracy"]
    log(f"CV accuracy {accuracy:.4f}")
    if test.labels is not None:
        log(f"(python batches: the test_batch is not Kaggle's test set; its accuracy is "
            f"{result.scores['test_batch_accuracy']:.4f})")
    else:
        log(kaggle_command(KAGGLE_SLUG, path, f"{result.run_dir.name} CV accuracy {accuracy:.4f}"))
    return path


def check(cfg: Cifar10Config, log=print) -> dict:
    """Validate a download without training: layout, labels, image sizes, every image decodes."""
    from compete.common.data.images import find_unreadable

    kind = layout.detect(cfg.data, cfg.layout)
    train = layout.read_train(cfg.data, cfg.layout)
    counts = np.bincount(train.labels, minlength=len(CLASSES))
    log(f"{kind} layout: {len(train.ids)} training images, ids {train.ids[0]}..{train.ids[-1]}, per class "
        + ", ".join(f"{c} {n}" for c, n in zip(CLASSES, counts)))
    test = layout.read_test(cfg.data, cfg.layout)
    log(f"test: {0 if test is None else len(test.ids)} images")
    bad_test = []
    if not train.in_memory:
        log("decoding every image ...")
        bad_train = find_unreadable(train.images)
        if bad_train:
            details = "; ".join(f"{p}: {why}" for p, why in bad_train[:5])
            raise DataError(Path(cfg.data) / layout.TRAIN_DIR, f"{len(bad_train)} training image(s) unreadable: {details}")
        if test is not None:
            bad_test = find_unreadable(test.images)
    for path, problem in bad_test:
        log(f"  test image {path}: {problem} (will get the training prior)")
    log(f"ok: {len(train.ids)} training and {0 if test is None else len(test.ids)} test images"
        + (f", {len(bad_test)} test image(s) unreadable" if bad_test else ""))
    return {"layout": kind, "train": len(train.ids), "test": 0 if test is None else len(test.ids),
            "unreadable_test": [p for p, _ in bad_test]}


PIPELINE = register(Pipeline(
    name=COMPETITION, config=Cifar10Config,
    actions={"cv": cross_validate, "submit": submit, "check": check},
    sample=lambda out_dir, seed=0: sample_data.generate(out_dir, seed=seed),
    demo=DEMO, summary="CIFAR-10 (10 classes of 32x32 photos, accuracy; Kaggle layout or python batches)"))
