"""2022 Data Creator Camp (university track): 20-class abstract images, macro-F1, from-scratch CNNs.

Recipe: JSON labels matched to images -> hygiene (exact / near duplicates incl.
train-test overlap, stray photographs) reported and optionally dropped -> optional
crop to the labelled box -> folds stratified on class and domain (duplicates kept together) -> per seed and
fold, train a from-scratch CNN (imbalance: resampling, class weights or focal loss)
-> OOF macro-F1 and accuracy, per-class / per-domain, confusion matrix, per-class
bias tuning (scored out of fold) -> the checked submission.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from compete.common.io import atomic
from compete.common.evaluation import biastuning, metrics as classmetrics, confusion_image
from compete.common.data import sampling
from compete.common.runs import folds as stratify
from compete.common import submission
from compete.common.config import ImageCVConfig
from compete.common.errors import DataError
from compete.common.io.jsonlabels import KeyPaths
from compete.common.data.labels import ClassVocabulary
from compete.common.runs.rundir_REMOVED import RunDir
from compete.competitions.pictogram import layout, model, sample_data  # noqa: F401  (model registers camp_cnn)
from compete.competitions.pictogram.classes import DOMAINS, ascii_names
from compete.competitions.pictogram.format import expected, submission_format
from compete.competitions.pictogram.rules import check_weights
from compete.pipelines.registry import Pipeline, register

COMPETITION = "pictogram"
LOSSES = ("crossentropy", "focal")
BIAS_TUNING = ("auto", "on", "off")  # auto: apply the biases only when their out-of-fold score beats plain argmax


@dataclass
class PictogramConfig(ImageCVConfig):
    """Defaults for the camp: a from-scratch CNN at 64 px, hygiene on, honest scores."""

    backbone: str = "camp_cnn"
    weights: str | None = None
    allow_pretrained: bool = False
    image_size: int = 64
    batch_size: int = 32
    epochs: int = 30
    patience: int = 6
    learning_rate: float = 2e-3
    augment: list[str] = dataclasses.field(default_factory=lambda: ["hflip"])
    # Layout and label schema.
    train_dir: str = "1.Training"
    eval_dir: str = "2.Validation"
    labels_dir: str = "라벨링데이터"
    images_dir: str = "원천데이터"
    label_key: str = "category.ctg_nm_level3"
    image_key: str = "abstract_image.abs_path"
    domain_key: str = "abstract_image.abs_domain"
    box_key: str = "abstract_image.abs_bbox"
    domains: list[str] = dataclasses.field(default_factory=lambda: list(DOMAINS))
    classes: list[str] = dataclasses.field(default_factory=list)
    strict_matching: bool = False
    crop_to_box: bool = False
    # Hygiene.
    drop_exact_duplicates: bool = True
    drop_near_duplicates: bool = True
    drop_photos: bool = True
    hash_method: str = "phash"
    near_distance: int = 1
    photo_threshold: float = 4.0
    # Imbalance.
    sampling: str = "none"
    sampling_ratio: float = 1.0
    class_weight: str = "none"
    loss: str = "crossentropy"
    focal_gamma: float = 2.0
    stratify_domain: bool = True
    # Post-processing and submission.
    bias_tuning: str = "auto"
    bias_passes: int = 2
    id_column: str = "file_name"
    label_column: str = "class_name"

    def training_key(self) -> dict:
        ignore = {"allow_pretrained", "bias_tuning", "bias_passes", "id_column", "label_column", "strict_matching"}
        return {k: v for k, v in super().training_key().items() if k not in ignore}

    def layout(self) -> layout.Layout:
        keys = KeyPaths(self.label_key, self.image_key, self.domain_key, self.box_key)
        return layout.Layout(self.train_dir, self.eval_dir, self.labels_dir, self.images_dir, keys,
                             tuple(self.domains) if self.domains else None)


DEMO = dict(image_size=64, epochs=12, patience=4, n_splits=4, tta=2, run="demo")


@dataclass
class Data:
    """Training rows kept after hygiene, the evaluation set, and what hygiene found."""

    train: layout.Split
    evaluation: layout.Split | None
    vocabulary: ClassVocabulary
    y: np.ndarray
    train_paths: list[Path]
    eval_paths: list[Path] | None
    findings: object
    dropped: list[int]
    groups: np.ndarray


def _read(cfg: PictogramConfig, log):
    lay = cfg.layout()
    train = layout.read_train(cfg.data, lay)
    for label_file, why in train.unmatched[:10]:
        log(f"  unmatched label file {label_file}: {why}")
    if train.unmatched:
        message = f"{len(train.unmatched)} training label file(s) have no image"
        if cfg.strict_matching:
            raise DataError(train.unmatched[0][0], message + " (strict_matching is on)")
        log(message + ": left out")
    classes = tuple(cfg.classes) if cfg.classes else tuple(sorted(set(train.labels)))
    vocabulary = ClassVocabulary(classes)
    evaluation = layout.read_eval(cfg.data, lay, known_classes=set(train.labels))
    if evaluation is not None:
        for label_file, why in evaluation.unmatched[:10]:
            log(f"  unmatched evaluation label file {label_file}: {why}")
    return train, evaluation, vocabulary


def _hygiene(cfg, train, evaluation, log):
    from compete.common.hygiene import inspect

    eval_paths = [] if evaluation is None else evaluation.paths
    log(f"hygiene: scanning {len(train.paths)} training and {len(eval_paths)} evaluation images "
        f"({cfg.hash_method}, near = at most {cfg.near_distance} bit(s) apart, photo score > {cfg.photo_threshold:g})")
    return inspect(train.paths, eval_paths, max_distance=cfg.near_distance, photo_threshold=cfg.photo_threshold,
                   hash_method=cfg.hash_method, workers=cfg.workers or None)


def _report_hygiene(cfg, findings, train, evaluation, run: RunDir, log) -> dict:
    labels = list(train.labels) + ([] if evaluation is None or evaluation.labels is None else evaluation.labels)
    labels += [None] * (len(findings.paths) - len(labels))
    root = Path(cfg.data)
    names = [str(Path(p).relative_to(root)) if Path(p).is_relative_to(root) else str(p) for p in findings.paths]
    report = findings.summary(labels, names)
    atomic.write_json(run.path / "hygiene.json", report)
    findings.picture(run.path / "hygiene.png")
    overlap = report["train_test_overlap"]
    conflicts = sum(g["conflicting_labels"] for g in report["exact_groups"] + report["near_groups"])
    log(f"hygiene: {len(report['exact_groups'])} exact and {len(report['near_groups'])} near duplicate group(s) "
        f"({overlap['exact']} exact / {overlap['near']} near reach the evaluation set, {conflicts} with conflicting "
        f"labels), {len(report['photos'])} photo-like training image(s)")
    for item in report["photos"][:10]:
        log(f"  photo-like: {item['file']} (score {item['score']})")
    log(f"hygiene report {run.path / 'hygiene.json'}, picture {run.path / 'hygiene.png'}")
    return report


def prepare(cfg: PictogramConfig, run: RunDir, log=print) -> Data:
    """Read, scan, report hygiene, drop what the settings say, crop if asked; every image decoded once."""
    train, evaluation, vocabulary = _read(cfg, log)
    findings = _hygiene(cfg, train, evaluation, log)
    _report_hygiene(cfg, findings, train, evaluation, run, log)
    dropped = findings.to_drop(cfg.drop_exact_duplicates, cfg.drop_near_duplicates, cfg.drop_photos)
    keep = np.setdiff1d(np.arange(len(train.paths)), dropped)
    if cfg.limit_train:
        keep = keep[:cfg.limit_train]
    if dropped:
        log(f"hygiene: leaving out {len(dropped)} training image(s) (exact={cfg.drop_exact_duplicates}, "
            f"near={cfg.drop_near_duplicates}, photos={cfg.drop_photos})")
    pick = lambda values: None if values is None else [values[i] for i in keep]
    kept = layout.Split(pick(train.ids), pick(train.paths), pick(train.labels), pick(train.domains),
                        pick(train.boxes), pick(train.label_files), train.unmatched)
    groups = findings.duplicates.group_ids()[keep]
    repeated = len(groups) - len(np.unique(groups))
    if repeated:
        log(f"folds: {repeated} duplicate(s) kept in training stay in their original's fold, so none is validated "
            "on a copy of itself")
    y = vocabulary.encode(kept.labels, source=Path(cfg.data) / cfg.train_dir,
                          row_names=[str(f) for f in kept.label_files])
    train_paths, eval_paths = list(kept.paths), None if evaluation is None else list(evaluation.paths)
    if cfg.crop_to_box:
        from compete.common.data.crop import crop_all

        cache = Path(cfg.runs_dir) / COMPETITION / "_crops"
        train_paths = crop_all(kept.paths, kept.boxes, kept.label_files, cache, cfg.workers or None)
        if evaluation is not None and evaluation.boxes is not None and all(b is not None for b in evaluation.boxes):
            eval_paths = crop_all(evaluation.paths, evaluation.boxes, evaluation.label_files, cache, cfg.workers or None)
        elif evaluation is not None:
            log("crop_to_box: the evaluation images have no boxes, so they are used whole")
        log(f"crop_to_box: training on the labelled boxes (cropped copies in {cache})")
    return Data(kept, evaluation, vocabulary, y, train_paths, eval_paths, findings, dropped, groups)


@dataclass
class CVResult:
    run_dir: Path
    scores: dict
    biases: np.ndarray
    oof: np.ndarray
    test: np.ndarray | None
    data: Data


def _check_settings(cfg):
    check_weights(cfg.weights, cfg.allow_pretrained)
    if cfg.loss not in LOSSES:
        raise ValueError(f"Unknown loss {cfg.loss!r}; available: {', '.join(LOSSES)}")
    if cfg.class_weight not in ("none", "balanced"):
        raise ValueError(f"Unknown class_weight {cfg.class_weight!r}; available: none, balanced")
    sampling.make_sampler(cfg.sampling)
    if cfg.bias_tuning not in BIAS_TUNING:
        raise ValueError(f"Unknown bias_tuning {cfg.bias_tuning!r}; available: {', '.join(BIAS_TUNING)}")


def cross_validate(cfg: PictogramConfig, log=print) -> CVResult:
    """Hygiene, then K-fold train/predict (resuming finished folds), score macro-F1; artefacts in the run dir."""
    from compete.common.runs import cv_REMOVED as cv
    from compete.common.models.losses import CategoricalFocalLoss
    from compete.common.models.classifier import build_image_classifier

    _check_settings(cfg)
    run = RunDir(cfg.runs_dir, COMPETITION, cfg)
    run.record_config(cfg)
    data = prepare(cfg, run, log)
    n_classes = len(data.vocabulary)
    n_eval = 0 if data.eval_paths is None else len(data.eval_paths)
    log(f"run {run.path}: {len(data.y)} training images in {n_classes} classes, {n_eval} evaluation images, "
        f"{cfg.n_splits} folds x {len(cfg.seeds)} seed(s), {cfg.backbone} at {cfg.image_size}px, loss {cfg.loss}, "
        f"sampling {cfg.sampling}, class_weight {cfg.class_weight}")
    keys = (data.y, data.train.domains) if cfg.stratify_domain and cfg.domain_key else (data.y,)

    def folds_for_seed(seed):
        from compete.common.runs import folds
        return folds.load_or_create(run.path / f"seed{seed}" / "folds.csv", data.train.ids,
                                    lambda: stratify.multi_key_folds(*keys, n_splits=cfg.n_splits, seed=seed,
                                                                            groups=data.groups))

    def build_model():
        return build_image_classifier(cfg.backbone, cfg.image_size, n_classes, "softmax", cfg.weights, cfg.dropout)

    loss = CategoricalFocalLoss(cfg.focal_gamma) if cfg.loss == "focal" else "categorical_crossentropy"
    sampler = sampling.make_sampler(cfg.sampling, **({"power": 1.0} if cfg.sampling == "class_balanced" else
                                                     {"ratio": cfg.sampling_ratio} if cfg.sampling != "none" else {}))
    weights = sampling.class_weights(data.y, n_classes) if cfg.class_weight == "balanced" else None
    targets = np.eye(n_classes, dtype=np.float32)[data.y]
    out = cv.run(run, cfg, paths=data.train_paths, targets=targets, folds_for_seed=folds_for_seed,
                 test_paths=data.eval_paths, build_model=build_model, loss=loss,
                 score=lambda t, p: classmetrics.macro_f1(t.argmax(1), p.argmax(1), n_classes),
                 resample=None if sampler is None else sampler.hook(data.y), class_weight=weights, log=log)
    scores, biases = _score(cfg, data, out, folds_for_seed(cfg.seeds[0]), run.path)
    atomic.save_npy(run.path / "oof.npy", out.oof)
    if out.test is not None:
        atomic.save_npy(run.path / "test.npy", out.test)
    atomic.write_json(run.path / "biases.json", dict(zip(data.vocabulary.classes, map(float, biases))))
    atomic.write_json(run.path / "scores.json", {**scores, "folds": out.fold_scores})
    _report(scores, log)
    log(f"confusion matrix {run.path / 'confusion.png'}")
    return CVResult(run.path, scores, biases, out.oof, out.test, data)


def _score(cfg, data: Data, out, first_folds, run_path) -> tuple[dict, np.ndarray]:
    """Macro-F1 and accuracy of the OOF argmax, with per-class biases tuned in-sample and out of fold."""
    n_classes, y = len(data.vocabulary), data.y
    pred = out.oof.argmax(1)
    logs = biastuning.log_scores(out.oof)
    biases, tuned = biastuning.tune(y, logs, passes=cfg.bias_passes)
    held = biastuning.held_out(y, logs, first_folds, passes=cfg.bias_passes)
    scores = {
        "n_train": int(len(y)), "dropped_by_hygiene": len(data.dropped),
        "macro_f1": classmetrics.macro_f1(y, pred, n_classes), "accuracy": classmetrics.accuracy(y, pred),
        "macro_f1_bias_tuned_in_sample": tuned,
        "macro_f1_bias_tuned_held_out": classmetrics.macro_f1(y, held, n_classes),
        "accuracy_bias_tuned_held_out": classmetrics.accuracy(y, held),
        "per_class": classmetrics.per_class(y, pred, data.vocabulary.classes),
    }
    if data.train.domains and data.train.domains[0] is not None:
        scores["per_domain"] = classmetrics.per_group(y, pred, data.train.domains, n_classes)
    if len(cfg.seeds) > 1:
        scores["macro_f1_single_seeds"] = [classmetrics.macro_f1(y, o.argmax(1), n_classes) for o in out.oof_by_seed]
    evaluation = data.evaluation
    if out.test is not None and evaluation is not None and evaluation.labelled():
        rows = evaluation.labelled()
        truth = data.vocabulary.encode([evaluation.labels[i] for i in rows])
        plain = out.test[rows].argmax(1)
        shifted = biastuning.apply(biastuning.log_scores(out.test[rows]), biases)
        scores["evaluation"] = {"n": len(rows), "macro_f1": classmetrics.macro_f1(truth, plain, n_classes),
                                "accuracy": classmetrics.accuracy(truth, plain),
                                "macro_f1_bias_tuned": classmetrics.macro_f1(truth, shifted, n_classes)}
    matrix = classmetrics.confusion_matrix(y, pred, n_classes)
    confusion_image.draw(matrix, ascii_names(data.vocabulary.classes), run_path / "confusion.png",
                         title=f"OOF confusion, macro-F1 {scores['macro_f1']:.3f} (rows true, columns predicted)")
    return scores, biases


def _report(scores, log):
    log(f"CV on {scores['n_train']} training images ({scores['dropped_by_hygiene']} left out by hygiene):")
    log(f"  macro-F1                           {scores['macro_f1']:.4f}   accuracy {scores['accuracy']:.4f}")
    log(f"  macro-F1, biases tuned in sample   {scores['macro_f1_bias_tuned_in_sample']:.4f}")
    log(f"  macro-F1, biases tuned out of fold {scores['macro_f1_bias_tuned_held_out']:.4f}")
    for i, score in enumerate(scores.get("macro_f1_single_seeds", [])):
        log(f"  seed #{i} alone macro-F1            {score:.4f}")
    for domain, s in scores.get("per_domain", {}).items():
        log(f"  {domain:<14} n={s['n']:<5} macro-F1 {s['macro_f1']:.4f}  accuracy {s['accuracy']:.4f}")
    worst = sorted(scores["per_class"], key=lambda c: c["f1"])[:3]
    log("  weakest classes: " + ", ".join(f"{c['class']} F1 {c['f1']:.2f} (n={c['support']})" for c in worst))
    if "evaluation" in scores:
        e = scores["evaluation"]
        log(f"evaluation labels ({e['n']} images): macro-F1 {e['macro_f1']:.4f}, accuracy {e['accuracy']:.4f}, "
            f"with tuned biases {e['macro_f1_bias_tuned']:.4f}")


def submit(cfg: PictogramConfig, log=print) -> Path:
    """Cross-validate (reusing finished folds), then write submissions/pictogram/<run>.csv, checked."""
    result = cross_validate(cfg, log)
    evaluation = result.data.evaluation
    if result.test is None or evaluation is None:
        raise DataError(Path(cfg.data) / cfg.eval_dir / cfg.images_dir, "needed to write a submission but not found")
    use_biases = _use_biases(cfg.bias_tuning, result.scores, log)
    scores = biastuning.log_scores(result.test)
    decisions = biastuning.apply(scores, result.biases) if use_biases else scores.argmax(1)
    fmt = submission_format(result.data.vocabulary.classes, cfg.id_column, cfg.label_column)
    frame = pd.DataFrame({cfg.id_column: evaluation.ids, cfg.label_column: result.data.vocabulary.decode(decisions)})
    path = Path(cfg.submissions_dir) / COMPETITION / f"{result.run_dir.name}.csv"
    submission.write(frame, path, expected(evaluation.ids, fmt), fmt)
    key = "macro_f1_bias_tuned_held_out" if use_biases else "macro_f1"
    log(f"submission written and checked: {path} ({len(frame)} rows)")
    log(f"CV macro-F1 {result.scores[key]:.4f} ({'per-class biases tuned out of fold' if use_biases else 'argmax'})")
    return path


def _use_biases(mode: str, scores: dict, log) -> bool:
    """Whether the submission applies the tuned biases: always ("on"), never ("off"), or when they help out of fold."""
    plain, tuned = scores["macro_f1"], scores["macro_f1_bias_tuned_held_out"]
    use = mode == "on" or (mode == "auto" and tuned > plain)
    log(f"bias tuning {mode}: out-of-fold macro-F1 {tuned:.4f} with biases vs {plain:.4f} without, so the submission "
        f"{'applies' if use else 'does not apply'} them")
    return use


def check(cfg: PictogramConfig, log=print) -> dict:
    """Validate a download without training: labels parse, images match and decode, boxes lie inside."""
    from compete.common.data.crop import crop_image
    from compete.common.data.images import read

    check_weights(cfg.weights, cfg.allow_pretrained)
    train, evaluation, vocabulary = _read(cfg, log)
    counts = pd.Series(train.labels).value_counts()
    log(f"training: {len(train.paths)} labelled images in {len(vocabulary)} classes "
        f"(largest {counts.iloc[0]}, smallest {counts.iloc[-1]}), {len(train.unmatched)} unmatched label file(s)")
    if evaluation is None:
        log(f"no {cfg.eval_dir}/{cfg.images_dir}: cv works, submit needs it")
    else:
        log(f"evaluation: {len(evaluation.paths)} images, {len(evaluation.labelled())} with labels")
    log("decoding every image and checking every box ...")
    splits = [train] + ([evaluation] if evaluation is not None else [])
    for split in splits:
        for i, path in enumerate(split.paths):
            image = read(path)
            if split.boxes is not None and split.boxes[i] is not None:
                crop_image(image, split.boxes[i], split.label_files[i])
    log("ok: every label parses, every image decodes, every box lies inside its image")
    return {"train": len(train.paths), "eval": 0 if evaluation is None else len(evaluation.paths),
            "classes": list(vocabulary.classes), "unmatched": [str(f) for f, _ in train.unmatched]}


def hygiene(cfg: PictogramConfig, log=print) -> dict:
    """Report exact / near duplicates (incl. train-evaluation overlap) and photo-like images; changes nothing."""
    train, evaluation, _ = _read(cfg, log)
    run = RunDir(cfg.runs_dir, COMPETITION, cfg)
    findings = _hygiene(cfg, train, evaluation, log)
    report = _report_hygiene(cfg, findings, train, evaluation, run, log)
    would = findings.to_drop(cfg.drop_exact_duplicates, cfg.drop_near_duplicates, cfg.drop_photos)
    log(f"with the current settings, cv would leave out {len(would)} of {len(train.paths)} training images")
    return report


PIPELINE = register(Pipeline(
    name=COMPETITION, config=PictogramConfig,
    actions={"cv": cross_validate, "submit": submit, "check": check, "hygiene": hygiene},
    sample=lambda out_dir, seed=0: sample_data.generate(out_dir, seed=seed),
    demo=DEMO, summary="2022 Data Creator Camp pictograms (20 classes, macro-F1, no pre-trained weights)"))
