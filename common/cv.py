"""K-fold training loop shared by the image pipelines: per seed and fold, train, predict OOF and test.

Every (seed, fold) unit saves its model and predictions and then `done.json`;
a rerun loads finished units instead of training them again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from common import atomic, augment, ensemble, training
from common.backbones import get_spec
from common.images import ImageDataset, as_source
from common.predict import predict_files
from common.rundir import RunDir


@dataclass
class CVOutputs:
    """Predictions of every seed: OOF per seed (n_seeds, n, C) and test averaged over seeds and folds."""

    oof_by_seed: np.ndarray
    test: np.ndarray | None
    fold_scores: list[dict] = field(default_factory=list)
    failed_test: list[int] = field(default_factory=list)

    @property
    def oof(self) -> np.ndarray:
        return ensemble.average(self.oof_by_seed)


def run(run_dir: RunDir, cfg, *, paths, targets, folds_for_seed: Callable[[int], np.ndarray], test_paths=None,
        build_model: Callable, loss, metrics=(), score: Callable, fallback=None, resample: Callable | None = None,
        class_weight: dict | None = None, batch_transform: Callable | None = None, log=print) -> CVOutputs:
    """Train every (seed, fold) unit not yet done; return OOF and test predictions for all.

    Args:
        folds_for_seed: fold id per training row for a seed (each seed reshuffles folds).
        build_model: `build_model() -> keras.Model` for a fresh unit.
        score: `score(y_true, probs) -> float`, logged per fold.
        fallback: prediction row for test images that cannot be read.
        resample: `resample(train_indices, seed) -> indices` (over/undersampling of the training part only).
        class_weight: passed to `model.fit`.
        batch_transform: `(images, targets, seed) -> (images, targets)` on training batches (e.g. MixUp).
    """
    hooks = dict(resample=resample, class_weight=class_weight, batch_transform=batch_transform)
    spec = get_spec(cfg.backbone)
    pretrained = bool(cfg.weights)
    augmenter = augment.build(cfg.augment)
    workers = cfg.workers or None
    n_outputs = targets.shape[1] if targets.ndim == 2 else None
    oof_by_seed, tests, fold_scores, failed_test = [], [], [], set()
    for seed in cfg.seeds:
        folds = folds_for_seed(seed)
        oof = None
        for fold in range(cfg.n_splits):
            unit = run_dir.unit(seed, fold)
            valid = np.flatnonzero(folds == fold)
            if RunDir.is_done(unit):
                log(f"seed {seed} fold {fold}: finished earlier, loading its predictions")
            else:
                _train_unit(unit, cfg, seed, fold, folds, paths, targets, test_paths, build_model, loss, metrics,
                            score, fallback, spec, pretrained, augmenter, workers, log, **hooks)
            fold_oof = np.load(unit / "oof.npy")
            oof = np.zeros((len(paths),) + fold_oof.shape[1:], np.float32) if oof is None else oof
            oof[valid] = fold_oof
            done = atomic.read_json(unit / "done.json")
            fold_scores.append({"seed": seed, "fold": fold, **done["scores"]})
            if test_paths is not None:
                if not (unit / "test.npy").exists():
                    _predict_test_later(unit, cfg, test_paths, fallback, workers, log)
                    done = atomic.read_json(unit / "done.json")
                tests.append(np.load(unit / "test.npy"))
                failed_test.update(done.get("failed_test", []))
        oof_by_seed.append(oof)
    test = ensemble.average(tests) if tests else None
    return CVOutputs(np.stack(oof_by_seed), test, fold_scores, sorted(failed_test))


def _train_unit(unit, cfg, seed, fold, folds, paths, targets, test_paths, build_model, loss, metrics, score,
                fallback, spec, pretrained, augmenter, workers, log, resample=None, class_weight=None,
                batch_transform=None):
    started = time.time()
    training.seed_everything(seed * 1000 + fold)
    train_idx, valid_idx = np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)
    if resample is not None:
        train_idx = resample(train_idx, seed * 1000 + fold)
    log(f"seed {seed} fold {fold}: training on {len(train_idx)} images, validating on {len(valid_idx)}")
    paths = as_source(paths)
    train = ImageDataset(paths[train_idx], targets[train_idx], image_size=cfg.image_size, batch_size=cfg.batch_size,
                         augment=augmenter, shuffle=True, seed=seed * 1000 + fold, cache=cfg.cache_images,
                         workers=workers, batch_transform=batch_transform)
    valid = ImageDataset(paths[valid_idx], targets[valid_idx], image_size=cfg.image_size, batch_size=cfg.batch_size,
                         cache=cfg.cache_images, workers=workers)
    model = build_model()
    best = training.fit(model, train, valid, unit, cfg, loss=loss, metrics=metrics, blocks=spec.blocks,
                        pretrained=pretrained, class_weight=class_weight)
    verbose = training.verbosity()
    log(f"seed {seed} fold {fold}: predicting {len(valid_idx)} OOF images with {cfg.tta} TTA view(s)")
    oof, _ = predict_files(model, paths[valid_idx], image_size=cfg.image_size, batch_size=cfg.batch_size,
                           views=cfg.tta, workers=workers, verbose=verbose)
    atomic.save_npy(unit / "oof.npy", oof)
    failed = []
    if test_paths is not None:
        log(f"seed {seed} fold {fold}: predicting {len(test_paths)} test images with {cfg.tta} TTA view(s)")
        test, failed = predict_files(model, test_paths, image_size=cfg.image_size, batch_size=cfg.batch_size,
                                     views=cfg.tta, fallback=fallback, workers=workers, verbose=verbose)
        atomic.save_npy(unit / "test.npy", test)
    scores = {"score": float(score(targets[valid_idx], oof)), **best}
    atomic.write_json(unit / "done.json", {"scores": scores, "failed_test": failed,
                                           "seconds": round(time.time() - started, 1)})
    log(f"seed {seed} fold {fold}: OOF score {scores['score']:.4f} ({time.time() - started:.0f}s)")


def _predict_test_later(unit, cfg, test_paths, fallback, workers, log):
    """A unit finished without test images (cv run before the test set was there): predict from its model."""
    import keras

    log(f"{unit}: predicting {len(test_paths)} test images with the saved model")
    model = keras.saving.load_model(unit / "model.keras")
    test, failed = predict_files(model, test_paths, image_size=cfg.image_size, batch_size=cfg.batch_size,
                                 views=cfg.tta, fallback=fallback, workers=workers, verbose=training.verbosity())
    atomic.save_npy(unit / "test.npy", test)
    done = atomic.read_json(unit / "done.json")
    atomic.write_json(unit / "done.json", {**done, "failed_test": failed})
