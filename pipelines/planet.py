"""Planet: Understanding the Amazon from Space — multi-label chips, mean F2.

Recipe: stratified multi-label folds -> per seed and fold, fine-tune a backbone and
predict OOF and test chips with dihedral TTA -> tune thresholds on the full OOF
under the weather rule -> report CV F2 -> write the checked submission.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from common import atomic, folds, submission, thresholds
from common.config import ImageCVConfig
from common.errors import DataError
from common.rundir import RunDir
from competitions.planet import layout, sample_data
from competitions.planet.format import FORMAT, KAGGLE_SLUG
from competitions.planet.metric import BETA, mean_f2
from competitions.planet.rules import weather_forced
from competitions.planet.tags import TAGS
from pipelines.registry import Pipeline, register

COMPETITION = "planet"


@dataclass
class PlanetConfig(ImageCVConfig):
    """Defaults for the real download on a machine with ImageNet weights; the demo overrides them."""

    backbone: str = "resnet50"
    weights: str | None = "imagenet"
    image_size: int = 128
    batch_size: int = 32
    epochs: int = 20
    augment: list[str] = dataclasses.field(default_factory=lambda: ["dihedral", "brightness_contrast"])
    tta: int = 8
    threshold_passes: int = 3


DEMO = dict(backbone="small_cnn", weights=None, image_size=48, batch_size=32, epochs=6, patience=3,
            learning_rate=2e-3, lr_schedule="plateau", augment=["dihedral"], tta=8, run="demo")


@dataclass
class CVResult:
    run_dir: Path
    scores: dict
    thresholds: np.ndarray
    oof: np.ndarray
    test: np.ndarray | None
    failed_test: list[str]


def cross_validate(cfg: PlanetConfig, log=print) -> CVResult:
    """K-fold train/predict (resuming finished folds), tune thresholds, score; artefacts in the run dir."""
    from common import cv
    from common.models import build_image_classifier

    train = layout.read_train(cfg.data)
    if cfg.limit_train:
        train = layout.TrainSet(train.ids[:cfg.limit_train], train.paths[:cfg.limit_train], train.labels[:cfg.limit_train])
    test = _read_test_if_present(cfg.data, log)
    run = RunDir(cfg.runs_dir, COMPETITION, cfg)
    run.record_config(cfg)
    log(f"run {run.path}: {len(train.ids)} training chips, {0 if test is None else len(test.ids)} test chips, "
        f"{cfg.n_splits} folds x {len(cfg.seeds)} seed(s), backbone {cfg.backbone} at {cfg.image_size}px")

    def folds_for_seed(seed):
        return folds.load_or_create(run.path / f"seed{seed}" / "folds.csv", train.ids,
                                    lambda: folds.multilabel_folds(train.labels, cfg.n_splits, seed))

    def build_model():
        return build_image_classifier(cfg.backbone, cfg.image_size, len(TAGS), "sigmoid", cfg.weights, cfg.dropout)

    prior = train.labels.mean(axis=0).astype(np.float32)
    out = cv.run(run, cfg, paths=train.paths, targets=train.labels.astype(np.float32), folds_for_seed=folds_for_seed,
                 test_paths=None if test is None else test.paths, build_model=build_model,
                 loss="binary_crossentropy", score=lambda y, p: mean_f2(y, thresholds.apply(p, 0.5, weather_forced(p))),
                 fallback=prior, log=log)
    oof = out.oof
    scores, tuned = _score(train.labels, oof, out, cfg, folds_for_seed(cfg.seeds[0]))
    failed = [] if test is None else [test.ids[i] for i in out.failed_test]
    atomic.save_npy(run.path / "oof.npy", oof)
    if out.test is not None:
        atomic.save_npy(run.path / "test.npy", out.test)
    atomic.write_json(run.path / "thresholds.json", dict(zip(TAGS, map(float, tuned))))
    atomic.write_json(run.path / "scores.json", {**scores, "folds": out.fold_scores, "unreadable_test_images": failed})
    _report(scores, failed, log)
    return CVResult(run.path, scores, tuned, oof, out.test, failed)


def _read_test_if_present(root, log):
    if not (Path(root) / layout.SAMPLE_SUBMISSION).exists():
        log(f"no {layout.SAMPLE_SUBMISSION} in {root}: cross-validating without test predictions")
        return None
    return layout.read_test(root)


def _score(y, oof, out, cfg, first_folds) -> tuple[dict, np.ndarray]:
    """CV F2 at 0.5, at the best global threshold and at per-class thresholds (all under the weather rule).

    Tuning and scoring on the same OOF flatters the tuned scores, so the per-class
    score is also given honestly: tuned on K-1 folds, scored on the held-out fold.
    """
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
        scores["f2_at_0.5_single_seeds"] = [mean_f2(y, thresholds.apply(o, 0.5, weather_forced(o))) for o in out.oof_by_seed]
    return scores, tuned


def _report(scores, failed, log):
    log("CV mean F2 (weather rule applied):")
    log(f"  at 0.5 without the rule        {scores['f2_at_0.5_no_rule']:.4f}")
    log(f"  at 0.5                         {scores['f2_at_0.5']:.4f}")
    log(f"  at global threshold {scores['global_threshold']:.2f}       {scores['f2_global_threshold']:.4f}")
    log(f"  at per-class thresholds        {scores['f2_per_class_thresholds']:.4f}")
    log(f"  per-class, tuned out of fold   {scores['f2_per_class_thresholds_held_out']:.4f}")
    for i, score in enumerate(scores.get("f2_at_0.5_single_seeds", [])):
        log(f"  seed #{i} alone at 0.5          {score:.4f}")
    if failed:
        log(f"{len(failed)} test image(s) could not be read and were given the training prior: {failed[:10]}"
            + (" ..." if len(failed) > 10 else ""))


def submit(cfg: PlanetConfig, log=print) -> Path:
    """Cross-validate (reusing finished folds), then write submissions/planet/<run>.csv, checked."""
    result = cross_validate(cfg, log)
    if result.test is None:
        raise DataError(Path(cfg.data) / layout.SAMPLE_SUBMISSION, "needed to write a submission but not found")
    test = layout.read_test(cfg.data)
    decisions = thresholds.apply(result.test, result.thresholds, weather_forced(result.test))
    frame = pd.DataFrame({"image_name": test.ids, "tags": layout.VOCABULARY.decode(decisions)})
    path = Path(cfg.submissions_dir) / COMPETITION / f"{result.run_dir.name}.csv"
    submission.write(frame, path, test.sample, FORMAT)
    log(f"submission written and checked: {path} ({len(frame)} rows)")
    log(f"CV mean F2 {result.scores['f2_per_class_thresholds_held_out']:.4f} (per-class thresholds, tuned out of fold)")
    log(submission.kaggle_command(KAGGLE_SLUG, path, f"{result.run_dir.name} CV F2 "
                                  f"{result.scores['f2_per_class_thresholds_held_out']:.4f}"))
    return path


def check(cfg: PlanetConfig, log=print) -> dict:
    """Validate a download without training: layout, labels, every image decodes, test folders match."""
    from common.images import find_unreadable

    train = layout.read_train(cfg.data)
    log(f"{layout.TRAIN_CSV}: {len(train.ids)} rows, {len(TAGS)} tags, all training images present")
    test = layout.read_test(cfg.data)
    log(f"{layout.SAMPLE_SUBMISSION}: {len(test.ids)} rows, all found in {' and '.join(layout.TEST_DIRS)}")
    log("decoding every image ...")
    bad_train = find_unreadable(train.paths)
    bad_test = find_unreadable(test.paths)
    for path, problem in bad_test:
        log(f"  test image {path}: {problem} (will get the training prior)")
    if bad_train:
        details = "; ".join(f"{p}: {why}" for p, why in bad_train[:5])
        raise DataError(Path(cfg.data) / layout.TRAIN_DIR, f"{len(bad_train)} training image(s) unreadable: {details}")
    log(f"ok: {len(train.ids)} training and {len(test.ids)} test images decode"
        + (f", {len(bad_test)} test image(s) unreadable" if bad_test else ""))
    return {"train": len(train.ids), "test": len(test.ids), "unreadable_test": [p for p, _ in bad_test]}


PIPELINE = register(Pipeline(
    name=COMPETITION, config=PlanetConfig,
    actions={"cv": cross_validate, "submit": submit, "check": check},
    sample=lambda out_dir, seed=0: sample_data.generate(out_dir, seed=seed),
    demo=DEMO, summary="Planet: Understanding the Amazon from Space (17 tags, mean F2)"))
