"""CIFAR-10 — 10 classes of 32x32 photos, accuracy.

Recipe: stratified K-fold (or one stratified holdout) -> per unit (seed, fold), train a
CIFAR CNN from scratch (or fine-tune any backbone at an upscaled size) with
pad-crop / flip / Cutout / MixUp / CutMix -> validation and test predictions with flip TTA
-> OOF accuracy per unit, per seed and of the seed ensemble -> `id,label` in numeric id order.
Reads the Kaggle layout (PNG files) or the python batches (arrays in memory).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import BeforeValidator, model_validator

from compete.common.errors import DataError
from compete.common.logs import logger, result
from compete.common.settings.fields import CV, DATA, PREDICTION, Float, Int, setting, to_int
from compete.common.settings.model import Invalid
from compete.common.settings.shared import (Augment, Backbone, BatchSize, Dropout, Epochs, ImageCVConfig, ImageSize,
                                            LearningRate, LrSchedule, Optimizer, Patience, SingleLabelImageConfig,
                                            Weights)
from compete.competitions.cifar10.constants import LAYOUTS
from compete.pipelines.registry import Pipeline, register

COMPETITION = "cifar10"


def _upright_views(value):
    """1 or 2 views; 4 and 8 are refused with the reason (CIFAR photos are upright)."""
    value = to_int(value)
    if value in (4, 8):
        raise ValueError("CIFAR images are upright photos: only the image and its mirror image are fair views")
    return value


Holdout = Annotated[Float, setting("hold out this fraction once, the same rows for every seed, instead of K-fold "
                                   "(0: K-fold)", CV, ge=0, lt=1)]
SPLITS = "an integer from 2 to 100 (or 1 with holdout, which does not use it)"
CifarSplits = Annotated[Int, setting("number of cross-validation folds (not used with holdout)", CV, ge=1, le=100,
                                     allowed=SPLITS)]
Layout = Annotated[Literal[LAYOUTS], setting(
    "download layout: kaggle (PNG files, trainLabels.csv), batches (the python pickles), auto (detect)", DATA)]
CifarTTA = Annotated[Literal[1, 2], BeforeValidator(_upright_views), setting(
    "test-time augmentation: views averaged per image, 1 (as is) or 2 (and its mirror image)", PREDICTION,
    allowed="1 or 2")]


class Cifar10Config(SingleLabelImageConfig):
    """Defaults for the real data on one GPU: ResNet-20 from scratch, SGD + one-cycle, pad-crop + flip."""

    backbone: Backbone = "resnet20"
    weights: Weights = None
    image_size: ImageSize = 32
    batch_size: BatchSize = 128
    epochs: Epochs = 30
    learning_rate: LearningRate = 0.1
    lr_schedule: LrSchedule = "onecycle"
    optimizer: Optimizer = "sgd"
    patience: Patience = 30
    dropout: Dropout = 0.0
    augment: Augment = ["pad_crop", "hflip"]
    n_splits: CifarSplits = 5
    holdout: Holdout = 0.0
    tta: CifarTTA = 2
    layout: Layout = "auto"

    # The holdout and the layout choose and read rows, and the rows are already in every unit's key.
    NOT_UNIT_SETTINGS: ClassVar[frozenset] = ImageCVConfig.NOT_UNIT_SETTINGS | {"holdout", "layout"}

    @model_validator(mode="after")
    def _split(self):
        if not self.holdout and self.n_splits < 2:
            raise Invalid("n_splits", self.n_splits, "K-fold needs at least 2 folds", SPLITS)
        return self


DEMO = dict(backbone="deep_cnn", weights=None, batch_size=64, epochs=6, patience=6, optimizer="adam",
            learning_rate=2e-3, lr_schedule="cosine", n_splits=3, tta=2, run="demo")


@dataclass
class CVResult:
    run_dir: Path
    scores: dict
    oof: "np.ndarray"
    test: "np.ndarray | None"
    test_ids: "np.ndarray | None"
    test_set: "layout.TestSet | None"
    failed_test: list[int]


def _data(cfg: Cifar10Config, need_test: bool):
    """The training and (when the download has them) test images as the engine's rows, and the test set.

    With `need_test` (submit) the test part and the sample submission are read first, so a
    download that cannot be submitted fails before the training images are checked.
    """
    import numpy as np

    from compete.common.data.images import find_unreadable
    from compete.common.settings.adapters import digest_cache
    from compete.common.training.image_learner import image_split
    from compete.competitions.cifar10 import layout
    from compete.competitions.cifar10.classes import CLASSES

    def read_test():
        test = layout.read_test(cfg.data, cfg.layout)
        if test is None and need_test:
            raise DataError(Path(cfg.data) / layout.SAMPLE_SUBMISSION, "needed to write a submission but not found")
        return test

    test = read_test() if need_test else None
    train = layout.read_train(cfg.data, cfg.layout)
    if cfg.limit_train:
        train = train.head(cfg.limit_train)
    if not cfg.holdout:  # every class in every validation fold, judged before anything is written
        from compete.common.runs.folds import check_class_counts

        check_class_counts(train.labels, cfg.n_splits, CLASSES, "after limit_train" if cfg.limit_train else "")
    if not train.in_memory:
        bad = find_unreadable(train.images, workers=cfg.workers or None)
        if bad:
            raise DataError(bad[0][0], f"{bad[0][1]} ({len(bad)} training image(s) unreadable: "
                                       f"{', '.join(Path(p).name for p, _ in bad[:5])})")
    if not need_test:
        test = read_test()
        if test is None:
            logger.info(f"no {layout.SAMPLE_SUBMISSION} in {cfg.data}: cross-validating without test predictions")
    cache = digest_cache(cfg)
    targets = np.eye(len(CLASSES), dtype=np.float32)[train.labels]
    return (train, image_split(train.ids, train.images, targets, cache),
            test, None if test is None else image_split(test.ids, test.images, None, cache))


def _learner(cfg: Cifar10Config, prior: "np.ndarray"):
    import keras

    from compete.common.models.classifier import build_image_classifier
    from compete.common.settings.adapters import image_learner
    from compete.competitions.cifar10.classes import CLASSES

    def build_model():
        return build_image_classifier(cfg.backbone, cfg.image_size, len(CLASSES), "softmax", cfg.weights, cfg.dropout)

    return image_learner(cfg, build_model,
                         loss=keras.losses.CategoricalCrossentropy(label_smoothing=cfg.label_smoothing),
                         metrics=["accuracy"], fallback=prior, batch_transform=cfg.batch_mixer())


def _fold_maker(cfg: Cifar10Config, labels: "np.ndarray", seed: int, folds: dict):
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
    from compete.common.runs import artefacts
    from compete.common.runs.engine import Engine
    from compete.common.runs.run import Run
    from compete.common.runs.session import Session
    from compete.common.settings.adapters import default_run_name, resolve_weights
    from compete.competitions.cifar10.metric import accuracy_of

    resolve_weights(cfg)
    train_set, train, test_set, test = _data(cfg, need_test)
    learner = _learner(cfg, train.targets.mean(axis=0))
    run = Run(cfg.runs_dir, COMPETITION, cfg.run or default_run_name(cfg))
    with Session(run, units, wait) as session:
        split = (f"a stratified {cfg.holdout:.0%} holdout (made with seed {cfg.seeds[0]}, shared by every seed)"
                 if cfg.holdout else f"{cfg.n_splits} folds")
        logger.info(f"run {run.path}: {len(train)} training images ({'arrays' if train_set.in_memory else 'files'}), "
                    f"{0 if test is None else len(test)} test images, {split} x {len(cfg.seeds)} seed(s), "
                    f"{cfg.backbone} at {cfg.image_size}px")
        _warn_odd(train_set.odd, "training")
        if test_set is not None:
            _warn_odd(test_set.odd, "test")
        folds: dict = {}
        for seed in cfg.seeds:
            spec = {"holdout": cfg.holdout, "made_with_seed": cfg.seeds[0]} if cfg.holdout else \
                {"stratified_folds": cfg.n_splits}
            folds[seed] = session.fold_column(seed, train.ids, _fold_maker(cfg, train_set.labels, seed, folds), spec)
        done = session.execute(Engine(run, learner, train, test, folds), train=train_units)
        if done is None:
            return None
        out = done[0]
        scores = _score(train_set.labels, out, folds)
        if test is not None and test_set.labels is not None:
            scores["test_batch_accuracy"] = accuracy_of(test_set.labels, out.test)
        failed = sorted(int(i) for i in out.failed_test)
        artefacts.save(run.path, out, train, test, folds)
        artefacts.write_outputs(run, cfg.to_dict(), {
            **scores, "unreadable_test_images": failed, "odd_training_images": _named(train_set.odd),
            "odd_test_images": _named({} if test is None else test_set.odd)})
        _report(scores, failed, train_set.in_memory)  # inside the session, so the run's log.txt has it too
    return CVResult(run.path, scores, out.oof, out.test, None if test is None else test.ids, test_set, failed)


def _named(odd: dict) -> dict:
    """{file name: how it is odd}, as scores.json lists them."""
    from compete.competitions.cifar10.layout import EXTENSION

    return {f"{i}{EXTENSION}": why for i, why in odd.items()}


def _warn_odd(odd: dict, what: str, skip=()) -> None:
    """One warning line for the `what` images read although they are not 32x32 RGB (resized, turned to RGB)."""
    from compete.competitions.cifar10.classes import IMAGE_SIZE

    listed = [(name, why) for name, why in _named(odd).items() if name not in skip]
    if listed:
        logger.warning(f"{len(listed)} {what} image(s) are not {IMAGE_SIZE}x{IMAGE_SIZE} RGB and are read converted: "
                       + ", ".join(f"{name} ({why})" for name, why in listed[:5]) + (" ..." if len(listed) > 5 else ""))


def assemble(cfg: Cifar10Config, wait: bool = False) -> CVResult:
    """Combine the finished units (trained by `cv` or `cv --unit`) and score them; trains nothing."""
    return cross_validate(cfg, wait=wait, train_units=False)


def _score(labels: "np.ndarray", out, folds: dict) -> dict:
    """Accuracy on the rows every seed validated on: of the seed ensemble, of each seed, and of each unit."""
    from compete.competitions.cifar10.metric import accuracy_of

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
    from compete.competitions.cifar10.layout import EXTENSION

    for unit in scores["units"]:
        logger.info(f"  seed {unit['seed']} fold {unit['fold']}: OOF accuracy {unit['oof_accuracy']:.4f} "
                    f"on {unit['n_valid']} images")
    singles = scores["oof_accuracy_single_seeds"]
    if len(singles) > 1:
        for seed, value in zip(scores["seeds"], singles):
            result(f"  seed {seed} alone: OOF accuracy {value:.4f}")
    what = "seed ensemble" if len(singles) > 1 else "CV"
    result(f"{what} OOF accuracy {scores['oof_accuracy']:.4f} over {scores['rows_scored']} images")
    if "test_batch_accuracy" in scores:
        result(f"test_batch accuracy {scores['test_batch_accuracy']:.4f}")
    if failed:
        names = [f"{i}{EXTENSION}" if not in_memory else str(i) for i in failed[:10]]
        logger.warning(f"{len(failed)} test image(s) could not be read and were given the training prior: {names}"
                       + (" ..." if len(failed) > 10 else ""))


def submit(cfg: Cifar10Config, wait: bool = False) -> Path:
    """Train what is missing, assemble, then write submissions/cifar10/<run>.csv, checked, in numeric id order."""
    import pandas as pd

    from compete.common import submission
    from compete.competitions.cifar10.classes import VOCABULARY
    from compete.competitions.cifar10.format import FORMAT, KAGGLE_SLUG

    done = cross_validate(cfg, wait=wait, need_test=True)  # reads the test part and the sample first
    test = done.test_set
    frame = pd.DataFrame({"id": done.test_ids, "label": VOCABULARY.decode(done.test.argmax(axis=1))})
    path = Path(cfg.submissions_dir) / COMPETITION / f"{done.run_dir.name}.csv"
    submission.write(frame, path, test.sample, FORMAT, run_dir=done.run_dir)
    result(f"submission written and checked: {path} ({len(frame)} rows, ids {test.ids[0]}..{test.ids[-1]} "
           "in numeric order)")
    accuracy = done.scores["oof_accuracy"]
    result(f"CV accuracy {accuracy:.4f}")
    if test.labels is not None:
        result(f"(python batches: the test_batch is not Kaggle's test set, so there is nothing to upload; "
               f"its accuracy is {done.scores['test_batch_accuracy']:.4f})")
    else:
        submission.suggest_upload(KAGGLE_SLUG, path, f"{done.run_dir.name} CV accuracy {accuracy:.4f}", cfg.data,
                                  upload=cfg.kaggle_submit)
    return path


def check(cfg: Cifar10Config) -> dict:
    """Validate a download without training: layout, labels, image sizes, every image decodes."""
    import numpy as np

    from compete.common.data.images import find_transparent, find_unreadable
    from compete.competitions.cifar10 import layout
    from compete.competitions.cifar10.classes import CLASSES

    log = logger.info
    kind = layout.detect(cfg.data, cfg.layout)
    train = layout.read_train(cfg.data, cfg.layout)
    counts = np.bincount(train.labels, minlength=len(CLASSES))
    log(f"{kind} layout: {len(train.ids)} training images, ids {train.ids[0]}..{train.ids[-1]}, per class "
        + ", ".join(f"{c} {n}" for c, n in zip(CLASSES, counts)))
    test = layout.read_test(cfg.data, cfg.layout)
    log(f"test: {0 if test is None else len(test.ids)} images")
    if test is None and (Path(cfg.data) / layout.TEST_DIR).is_dir():
        logger.warning(f"{Path(cfg.data) / layout.TEST_DIR} is there but {layout.SAMPLE_SUBMISSION} is not: "
                       "cv runs without test predictions and submit refuses")
    bad_test, transparent = [], []
    if not train.in_memory:
        log("decoding every image ...")
        bad_train = find_unreadable(train.images, workers=cfg.workers or None)
        if bad_train:
            details = "; ".join(f"{p}: {why}" for p, why in bad_train[:5])
            raise DataError(Path(cfg.data) / layout.TRAIN_DIR,
                            f"{len(bad_train)} training image(s) unreadable: {details}")
        _warn_odd(train.odd, "training")
        images = list(train.images)
        if test is not None:
            bad_test = find_unreadable(test.images, workers=cfg.workers or None)
            _warn_odd(test.odd, "test", skip={Path(p).name for p, _ in bad_test})
            images += list(test.images)
        transparent = find_transparent(images, workers=cfg.workers or None)
        if transparent:
            log(f"{len(transparent)} image(s) carry transparency (composited on {cfg.transparent_background}): "
                + ", ".join(f"{Path(p).parent.name}/{Path(p).name}" for p in transparent[:5])
                + (" ..." if len(transparent) > 5 else ""))
    for path, problem in bad_test:
        logger.warning(f"test image {path}: {problem} (will get the training prior)")
    result(f"ok: {len(train.ids)} training and {0 if test is None else len(test.ids)} test images"
           + (f", {len(bad_test)} test image(s) unreadable" if bad_test else ""))
    bad_names = {Path(p).name for p, _ in bad_test}
    return {"layout": kind, "train": len(train.ids), "test": 0 if test is None else len(test.ids),
            "unreadable_test": [p for p, _ in bad_test], "transparent": transparent,
            "odd_train": _named(train.odd),
            "odd_test": {} if test is None else {n: w for n, w in _named(test.odd).items() if n not in bad_names}}


def _sample(out_dir, seed: int = 0):
    from compete.competitions.cifar10 import sample_data

    return sample_data.generate(out_dir, seed=seed)


PIPELINE = register(Pipeline(
    name=COMPETITION, config=Cifar10Config,
    actions={"cv": cross_validate, "assemble": assemble, "submit": submit, "check": check},
    sample=_sample,
    demo=DEMO, summary="CIFAR-10 (10 classes of 32x32 photos, accuracy; Kaggle layout or python batches)",
    headline="oof_accuracy"))
