"""CIFAR-10 — 10 classes of 32x32 photos, accuracy.

Recipe: stratified K-fold (or one stratified holdout) -> per unit (seed, fold), train a
CIFAR CNN from scratch (or fine-tune any backbone at an upscaled size) with
pad-crop / flip / Cutout / MixUp / CutMix -> validation and test predictions with flip TTA
-> OOF accuracy per unit, per seed and of the seed ensemble -> `id,label` in numeric id order.
Reads the Kaggle layout (PNG files) or the python batches (arrays in memory).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from compete.common import config, submission
from compete.common.config import ImageCVConfig
from compete.common.errors import DataError
from compete.common.logs import logger
from compete.common.runs import artefacts
from compete.common.runs.run import Run
from compete.common.runs.session import Session
from compete.competitions.cifar10 import layout, sample_data
from compete.competitions.cifar10.classes import CLASSES, VOCABULARY
from compete.competitions.cifar10.format import FORMAT, KAGGLE_SLUG
from compete.competitions.cifar10.metric import accuracy_of
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
    patience: int = 30
    dropout: float = 0.0
    augment: list[str] = dataclasses.field(default_factory=lambda: ["pad_crop", "hflip"])
    mix: str = ""
    mix_alpha: float = 1.0
    label_smoothing: float = 0.0
    holdout: float = 0.0
    tta: int = 2
    layout: str = "auto"

    # The holdout and the layout choose and read rows, and the rows are already in every unit's key.
    NOT_UNIT_SETTINGS: ClassVar[frozenset] = ImageCVConfig.NOT_UNIT_SETTINGS | {"holdout", "layout"}


DEMO = dict(backbone="deep_cnn", weights=None, batch_size=64, epochs=6, patience=6, optimizer="adam",
            learning_rate=2e-3, lr_schedule="cosine", n_splits=3, tta=2, run="demo")


@dataclass
class CVResult:
    run_dir: Path
    scores: dict
    oof: np.ndarray
    test: np.ndarray | None
    test_ids: np.ndarray | None
    test_set: layout.TestSet | None
    failed_test: list[int]


def _check_settings(cfg: Cifar10Config):
    """Unknown names and out-of-range values fail before anything is read or written; returns the batch transform."""
    from compete.common.data import augment, tta
    from compete.common.models.backbones import get_spec

    get_spec(cfg.backbone)
    augment.build(cfg.augment)
    config.fit_options(cfg)  # unknown optimizer, lr_schedule or fine_tune
    tta.views(cfg.tta)
    if cfg.layout not in layout.LAYOUTS:
        raise ValueError(f"Unknown layout {cfg.layout!r}; available: {', '.join(layout.LAYOUTS)}")
    if not 0 <= cfg.label_smoothing < 1:
        raise ValueError(f"label_smoothing must be in [0, 1), got {cfg.label_smoothing}")
    if cfg.mix and not cfg.mix_alpha > 0:
        raise ValueError(f"mix_alpha must be positive, got {cfg.mix_alpha}")
    if not 0 <= cfg.holdout < 1:
        raise ValueError(f"holdout must be a fraction in (0, 1), or 0 for K-fold; got {cfg.holdout}")
    if not cfg.holdout and cfg.n_splits < 2:
        raise ValueError(f"n_splits must be at least 2 (or use --holdout), got {cfg.n_splits}")
    if not cfg.seeds:
        raise ValueError("seeds must name at least one seed")
    return augment.build_batch_transform(cfg.mix, cfg.mix_alpha)


def _data(cfg: Cifar10Config, need_test: bool):
    """The training and (when the download has them) test images as the engine's rows, and the test set."""
    from compete.common.data.images import find_unreadable
    from compete.common.training.image_learner import image_split

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
        if need_test:
            raise DataError(Path(cfg.data) / layout.SAMPLE_SUBMISSION, "needed to write a submission but not found")
        logger.info(f"no {layout.SAMPLE_SUBMISSION} in {cfg.data}: cross-validating without test predictions")
    cache = config.digest_cache(cfg)
    targets = np.eye(len(CLASSES), dtype=np.float32)[train.labels]
    return (train, image_split(train.ids, train.images, targets, cache),
            test, None if test is None else image_split(test.ids, test.images, None, cache))


def _learner(cfg: Cifar10Config, prior: np.ndarray, mixer):
    import keras

    from compete.common.models.classifier import build_image_classifier

    def build_model():
        return build_image_classifier(cfg.backbone, cfg.image_size, len(CLASSES), "softmax", cfg.weights, cfg.dropout)

    return config.image_learner(cfg, build_model,
                                loss=keras.losses.CategoricalCrossentropy(label_smoothing=cfg.label_smoothing),
                                metrics=["accuracy"], fallback=prior, batch_transform=mixer)


def _fold_maker(cfg: Cifar10Config, labels: np.ndarray, seed: int, folds: dict):
    """`make(rows)` for seed `seed`: K-fold reshuffled per seed, or one holdout shared by every seed.

    The holdout is made with the first seed; later seeds copy the first seed's column (as saved
    in the run), so the seed ensemble is scored on the rows each seed held out.
    """
    from compete.common.runs.folds import stratified_folds, stratified_holdout

    first = cfg.seeds[0]
    if not cfg.holdout:
        return lambda rows: stratified_folds(labels[rows], cfg.n_splits, seed)
    if seed != first:
        return lambda rows: folds[first][rows]
    return lambda rows: stratified_holdout(labels[rows], cfg.holdout, first)


def cross_validate(cfg: Cifar10Config, units=None, wait: bool = False, train_units: bool = True,
                   need_test: bool = False) -> CVResult | None:
    """Train the units not done yet (all, or just `units`), then score OOF accuracy per unit, seed and ensemble."""
    from compete.common.runs.engine import Engine

    mixer = _check_settings(cfg)
    data, train, test_set, test = _data(cfg, need_test)
    learner = _learner(cfg, train.targets.mean(axis=0), mixer)
    run = Run(cfg.runs_dir, COMPETITION, cfg.run or config.default_run_name(cfg))
    with Session(run, units, wait) as session:
        split = (f"a stratified {cfg.holdout:.0%} holdout (made with seed {cfg.seeds[0]}, shared by every seed)"
                 if cfg.holdout else f"{cfg.n_splits} folds")
        logger.info(f"run {run.path}: {len(train)} training images ({'arrays' if data.in_memory else 'files'}), "
                    f"{0 if test is None else len(test)} test images, {split} x {len(cfg.seeds)} seed(s), "
                    f"{cfg.backbone} at {cfg.image_size}px")
        folds: dict[int, np.ndarray] = {}
        for seed in cfg.seeds:
            spec = {"holdout": cfg.holdout, "made_with_seed": cfg.seeds[0]} if cfg.holdout else \
                {"stratified_folds": cfg.n_splits}
            folds[seed] = session.fold_column(seed, train.ids, _fold_maker(cfg, data.labels, seed, folds), spec)
        done = session.execute(Engine(run, learner, train, test, folds), train=train_units)
        if done is None:
            return None
        out = done[0]
        scores = _score(data.labels, out, folds)
        if test is not None and test_set.labels is not None:
            scores["test_batch_accuracy"] = accuracy_of(test_set.labels, out.test)
        failed = sorted(int(i) for i in out.failed_test)
        artefacts.save(run.path, out, train, test, folds)
        artefacts.write_outputs(run, config.to_dict(cfg), {**scores, "unreadable_test_images": failed})
        _report(scores, failed, data.in_memory)  # inside the session, so the run's log.txt has it too
    return CVResult(run.path, scores, out.oof, out.test, None if test is None else test.ids, test_set, failed)


def assemble(cfg: Cifar10Config, wait: bool = False) -> CVResult:
    """Combine the finished units (trained by `cv` or `cv --unit`) and score them; trains nothing."""
    return cross_validate(cfg, wait=wait, train_units=False)


def _score(labels: np.ndarray, out, folds: dict) -> dict:
    """Accuracy on the rows every seed validated on: of the seed ensemble, of each seed, and of each unit."""
    scored = out.scored
    units = out.score_units(folds, lambda rows, pred: accuracy_of(labels[rows], pred), "oof_accuracy")
    return {
        "oof_accuracy": accuracy_of(labels[scored], out.oof[scored]),
        "oof_accuracy_single_seeds": [accuracy_of(labels[scored], o[scored]) for o in out.oof_by_seed],
        "seeds": list(out.seeds),
        "rows_scored": int(scored.sum()),
        "units": units,
    }


def _report(scores: dict, failed: list[int], in_memory: bool) -> None:
    log = logger.info
    for unit in scores["units"]:
        log(f"  seed {unit['seed']} fold {unit['fold']}: OOF accuracy {unit['oof_accuracy']:.4f} "
            f"on {unit['n_valid']} images")
    singles = scores["oof_accuracy_single_seeds"]
    if len(singles) > 1:
        for seed, value in zip(scores["seeds"], singles):
            log(f"  seed {seed} alone: OOF accuracy {value:.4f}")
    what = "seed ensemble" if len(singles) > 1 else "CV"
    log(f"{what} OOF accuracy {scores['oof_accuracy']:.4f} over {scores['rows_scored']} images")
    if "test_batch_accuracy" in scores:
        log(f"test_batch accuracy {scores['test_batch_accuracy']:.4f}")
    if failed:
        names = [f"{i}{layout.EXTENSION}" if not in_memory else str(i) for i in failed[:10]]
        log(f"{len(failed)} test image(s) could not be read and were given the training prior: {names}"
            + (" ..." if len(failed) > 10 else ""))


def submit(cfg: Cifar10Config, wait: bool = False) -> Path:
    """Train what is missing, assemble, then write submissions/cifar10/<run>.csv, checked, in numeric id order."""
    result = cross_validate(cfg, wait=wait, need_test=True)
    test = result.test_set
    frame = pd.DataFrame({"id": result.test_ids, "label": VOCABULARY.decode(result.test.argmax(axis=1))})
    path = Path(cfg.submissions_dir) / COMPETITION / f"{result.run_dir.name}.csv"
    submission.write(frame, path, test.sample, FORMAT)
    logger.info(f"submission written and checked: {path} ({len(frame)} rows, ids {test.ids[0]}..{test.ids[-1]} "
                "in numeric order)")
    accuracy = result.scores["oof_accuracy"]
    logger.info(f"CV accuracy {accuracy:.4f}")
    if test.labels is not None:
        logger.info(f"(python batches: the test_batch is not Kaggle's test set; its accuracy is "
                    f"{result.scores['test_batch_accuracy']:.4f})")
    else:
        logger.info(submission.kaggle_command(KAGGLE_SLUG, path, f"{result.run_dir.name} CV accuracy {accuracy:.4f}"))
    return path


def check(cfg: Cifar10Config) -> dict:
    """Validate a download without training: layout, labels, image sizes, every image decodes."""
    from compete.common.data.images import find_unreadable

    log = logger.info
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
            raise DataError(Path(cfg.data) / layout.TRAIN_DIR,
                            f"{len(bad_train)} training image(s) unreadable: {details}")
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
    actions={"cv": cross_validate, "assemble": assemble, "submit": submit, "check": check},
    sample=lambda out_dir, seed=0: sample_data.generate(out_dir, seed=seed),
    demo=DEMO, summary="CIFAR-10 (10 classes of 32x32 photos, accuracy; Kaggle layout or python batches)"))
