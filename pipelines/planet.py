"""Planet: Understanding the Amazon from Space — multi-label chips, mean F2.

Recipe: multi-label stratified folds -> per unit (seed, fold), fine-tune a backbone and
predict the validation and test chips with dihedral TTA -> tune thresholds on the OOF
predictions under the weather rule -> report CV F2 -> write the checked submission.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from compete.common.errors import DataError
from compete.common.logs import logger, result
from compete.common.settings.fields import PREDICTION, Int, setting
from compete.common.settings.shared import TTA, Augment, Backbone, BatchSize, Epochs, ImageCVConfig, ImageSize, Weights
from compete.pipelines.registry import Pipeline, register

COMPETITION = "planet"


class PlanetConfig(ImageCVConfig):
    """Defaults for the real download on a machine with ImageNet weights; the demo overrides them."""

    backbone: Backbone = "resnet50"
    weights: Weights = "imagenet"
    image_size: ImageSize = 128
    batch_size: BatchSize = 32
    epochs: Epochs = 20
    augment: Augment = ["dihedral", "brightness_contrast"]
    tta: TTA = 8
    threshold_passes: Annotated[Int, setting("coordinate-ascent passes when tuning per-class thresholds on OOF",
                                             PREDICTION, ge=1, le=20)] = 3


DEMO = dict(backbone="small_cnn", weights=None, image_size=48, batch_size=32, epochs=6, patience=3,
            learning_rate=2e-3, lr_schedule="plateau", augment=["dihedral"], tta=8, run="demo")


@dataclass
class CVResult:
    run_dir: Path
    scores: dict
    thresholds: "np.ndarray"
    oof: "np.ndarray"
    test: "np.ndarray | None"
    test_ids: "np.ndarray | None"
    failed_test: list[str]


def _data(cfg: PlanetConfig, need_test: bool):
    """The training and (when the download has them) test chips as the engine's rows."""
    import numpy as np

    from compete.common.settings.adapters import digest_cache
    from compete.common.training.image_learner import image_split
    from compete.competitions.planet import layout

    train = layout.read_train(cfg.data)
    if cfg.limit_train:
        train = layout.TrainSet(train.ids[:cfg.limit_train], train.paths[:cfg.limit_train],
                                train.labels[:cfg.limit_train])
    test = None
    if (Path(cfg.data) / layout.SAMPLE_SUBMISSION).exists():
        test = layout.read_test(cfg.data)
    elif need_test:
        raise DataError(Path(cfg.data) / layout.SAMPLE_SUBMISSION, "needed to write a submission but not found")
    else:
        logger.info(f"no {layout.SAMPLE_SUBMISSION} in {cfg.data}: cross-validating without test predictions")
    cache = digest_cache(cfg)
    return (image_split(train.ids, train.paths, train.labels.astype(np.float32), cache),
            None if test is None else image_split(test.ids, test.paths, None, cache), test)


def _learner(cfg: PlanetConfig, prior: np.ndarray):
    from compete.common.models.classifier import build_image_classifier
    from compete.common.settings.adapters import image_learner
    from compete.competitions.planet.tags import TAGS

    def build_model():
        return build_image_classifier(cfg.backbone, cfg.image_size, len(TAGS), "sigmoid", cfg.weights, cfg.dropout)

    return image_learner(cfg, build_model, loss="binary_crossentropy", fallback=prior, metrics=[_f2_micro])


def _f2_micro():
    """F2 over every (chip, tag) pair at 0.2 per epoch, for the learning curves: a cheap stand-in for the mean
    per-chip F2 that is scored (with tuned thresholds) once the unit is done."""
    import keras

    return keras.metrics.FBetaScore(average="micro", beta=2.0, threshold=0.2, name="f2_micro")


def cross_validate(cfg: PlanetConfig, units=None, wait: bool = False, train_units: bool = True,
                   need_test: bool = False) -> CVResult | None:
    """Train the units not done yet (all, or just `units`), then tune thresholds and score; artefacts in the run."""
    from compete.common.runs import artefacts
    from compete.common.runs.engine import Engine
    from compete.common.runs.folds import multilabel_folds
    from compete.common.runs.run import Run
    from compete.common.runs.session import Session
    from compete.common.settings.adapters import default_run_name, resolve_weights
    from compete.competitions.planet.tags import TAGS

    resolve_weights(cfg)
    train, test, _ = _data(cfg, need_test)
    learner = _learner(cfg, train.targets.mean(axis=0))
    run = Run(cfg.runs_dir, COMPETITION, cfg.run or default_run_name(cfg))
    with Session(run, units, wait) as session:
        logger.info(f"run {run.path}: {len(train)} training chips, {0 if test is None else len(test)} test chips, "
                    f"{cfg.n_splits} folds x {len(cfg.seeds)} seed(s), {cfg.backbone} at {cfg.image_size}px")
        folds = {seed: session.fold_column(seed, train.ids, lambda rows, seed=seed: multilabel_folds(
            train.targets[rows], cfg.n_splits, seed), spec={"multilabel_folds": cfg.n_splits}) for seed in cfg.seeds}
        done = session.execute(Engine(run, learner, train, test, folds), train=train_units)
        if done is None:
            return None
        out = done[0]
        scores, tuned = _score(train.targets, out, cfg, folds[cfg.seeds[0]])
        artefacts.save(run.path, out, train, test, folds, names=TAGS)
        artefacts.write_outputs(run, cfg.to_dict(), {**scores, "units": out.units,
                                                      "unreadable_test_images": out.failed_test},
                                thresholds=dict(zip(TAGS, map(float, tuned))))
        _report(scores, out.failed_test)
    return CVResult(run.path, scores, tuned, out.oof, out.test, None if test is None else test.ids, out.failed_test)


def assemble(cfg: PlanetConfig, wait: bool = False) -> CVResult:
    """Combine the finished units (trained by `cv` or `cv --unit`) and score them; trains nothing."""
    return cross_validate(cfg, wait=wait, train_units=False)


def _score(y, out, cfg, first_folds) -> tuple[dict, np.ndarray]:
    """CV F2 at 0.5, at the best global threshold and at per-class thresholds (all under the weather rule).

    Tuning and scoring on the same OOF flatters the tuned scores, so the per-class
    score is also given honestly: tuned on K-1 folds, scored on the held-out fold.
    """
    import numpy as np

    from compete.common.evaluation import thresholds
    from compete.competitions.planet.metric import BETA, mean_f2
    from compete.competitions.planet.rules import weather_forced

    oof = out.oof
    forced = weather_forced(oof)
    global_t, global_score = thresholds.tune_global(y, oof, BETA, forced=forced)
    tuned, tuned_score = thresholds.tune_per_class(y, oof, BETA, passes=cfg.threshold_passes, forced=forced)
    held_out = []
    for fold in range(cfg.n_splits):
        fit, hold = first_folds != fold, first_folds == fold
        t, _ = thresholds.tune_per_class(y[fit], oof[fit], BETA, passes=cfg.threshold_passes, forced=forced[fit])
        held_out.append(mean_f2(y[hold], thresholds.apply(oof[hold], t, forced[hold])) * hold.sum())
    scores = {
        "f2_at_0.5_no_rule": mean_f2(y, oof >= 0.5),
        "f2_at_0.5": mean_f2(y, thresholds.apply(oof, 0.5, forced)),
        "global_threshold": global_t,
        "f2_global_threshold": global_score,
        "f2_per_class_thresholds": tuned_score,
        "f2_per_class_thresholds_held_out": float(np.sum(held_out) / len(y)),
    }
    if len(cfg.seeds) > 1:
        scores["f2_at_0.5_single_seeds"] = [mean_f2(y, thresholds.apply(o, 0.5, weather_forced(o)))
                                            for o in out.oof_by_seed]
    return scores, tuned


def _report(scores, failed):
    log = result
    log("CV mean F2 (weather rule applied):")
    log(f"  at 0.5 without the rule        {scores['f2_at_0.5_no_rule']:.4f}")
    log(f"  at 0.5                         {scores['f2_at_0.5']:.4f}")
    log(f"  at global threshold {scores['global_threshold']:.2f}       {scores['f2_global_threshold']:.4f}")
    log(f"  at per-class thresholds        {scores['f2_per_class_thresholds']:.4f}")
    log(f"  per-class, tuned out of fold   {scores['f2_per_class_thresholds_held_out']:.4f}")
    for i, score in enumerate(scores.get("f2_at_0.5_single_seeds", [])):
        log(f"  seed #{i} alone at 0.5          {score:.4f}")
    if failed:
        logger.warning(f"{len(failed)} test image(s) could not be read and were given the training prior: {failed[:10]}"
            + (" ..." if len(failed) > 10 else ""))


def submit(cfg: PlanetConfig, wait: bool = False) -> Path:
    """Train what is missing, assemble, then write submissions/planet/<run>.csv, checked against the sample."""
    import pandas as pd

    from compete.common import submission
    from compete.common.evaluation import thresholds
    from compete.competitions.planet import layout
    from compete.competitions.planet.format import FORMAT, KAGGLE_SLUG
    from compete.competitions.planet.rules import weather_forced

    done = cross_validate(cfg, wait=wait, need_test=True)
    sample = layout.read_test(cfg.data).sample
    decisions = thresholds.apply(done.test, done.thresholds, weather_forced(done.test))
    frame = pd.DataFrame({"image_name": done.test_ids, "tags": layout.VOCABULARY.decode(decisions)})
    path = Path(cfg.submissions_dir) / COMPETITION / f"{done.run_dir.name}.csv"
    submission.write(frame, path, sample, FORMAT, run_dir=done.run_dir)
    score = done.scores["f2_per_class_thresholds_held_out"]
    result(f"submission written and checked: {path} ({len(frame)} rows)")
    result(f"CV mean F2 {score:.4f} (per-class thresholds, tuned out of fold)")
    submission.suggest_upload(KAGGLE_SLUG, path, f"{done.run_dir.name} CV F2 {score:.4f}", cfg.data,
                              upload=cfg.kaggle_submit)
    return path


def check(cfg: PlanetConfig) -> dict:
    """Validate a download without training: layout, labels, every image decodes, test folders match."""
    from compete.common.data.images import find_transparent, find_unreadable
    from compete.competitions.planet import layout
    from compete.competitions.planet.tags import TAGS

    log = logger.info
    train = layout.read_train(cfg.data)
    log(f"{layout.TRAIN_CSV}: {len(train.ids)} rows, {len(TAGS)} tags, all training images present")
    test = layout.read_test(cfg.data)
    log(f"{layout.SAMPLE_SUBMISSION}: {len(test.ids)} rows, all found in {' and '.join(layout.TEST_DIRS)}")
    log("decoding every image ...")
    bad_train = find_unreadable(train.paths)
    bad_test = find_unreadable(test.paths)
    for path, problem in bad_test:
        logger.warning(f"test image {path}: {problem} (will get the training prior)")
    if bad_train:
        details = "; ".join(f"{p}: {why}" for p, why in bad_train[:5])
        raise DataError(Path(cfg.data) / layout.TRAIN_DIR, f"{len(bad_train)} training image(s) unreadable: {details}")
    transparent = find_transparent([*train.paths, *test.paths])
    result(f"ok: {len(train.ids)} training and {len(test.ids)} test images decode"
           + (f", {len(bad_test)} test image(s) unreadable" if bad_test else "")
           + f"; {len(transparent)} carry transparency (composited on {cfg.transparent_background})")
    return {"train": len(train.ids), "test": len(test.ids), "unreadable_test": [p for p, _ in bad_test],
            "transparent": transparent}


def _sample(out_dir, seed: int = 0):
    from compete.competitions.planet import sample_data

    return sample_data.generate(out_dir, seed=seed)


PIPELINE = register(Pipeline(
    name=COMPETITION, config=PlanetConfig,
    actions={"cv": cross_validate, "assemble": assemble, "submit": submit, "check": check},
    sample=_sample,
    demo=DEMO, summary="Planet: Understanding the Amazon from Space (17 tags, mean F2)",
    headline="f2_per_class_thresholds_held_out"))
