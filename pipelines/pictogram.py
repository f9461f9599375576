"""2022 Data Creator Camp (university track): 20-class abstract images, macro-F1, from-scratch CNNs.

Recipe: JSON labels matched to images -> hygiene (exact / near duplicates incl.
train-test overlap, stray photographs) reported and optionally dropped -> optional
crop to the labelled box -> folds stratified on class and domain (duplicates kept together) -> per unit
(seed, fold), train a from-scratch CNN (imbalance: resampling, class weights or focal loss)
-> OOF macro-F1 and accuracy, per-class / per-domain, confusion matrix, per-class
bias tuning (scored out of fold) -> the checked submission.
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
from compete.common.data import sampling
from compete.common.data.labels import ClassVocabulary
from compete.common.errors import DataError
from compete.common.evaluation import biastuning, confusion_image
from compete.common.evaluation import metrics as classmetrics
from compete.common.io import atomic
from compete.common.io.jsonlabels import KeyPaths
from compete.common.logs import logger
from compete.common.runs import artefacts
from compete.common.runs.run import Run
from compete.common.runs.session import Session
from compete.competitions.pictogram import layout, model, sample_data  # noqa: F401  (model registers camp_cnn)
from compete.competitions.pictogram.classes import DOMAINS, ascii_names
from compete.competitions.pictogram.format import expected, submission_format
from compete.competitions.pictogram.rules import check_weights
from compete.pipelines.registry import Pipeline, register

COMPETITION = "pictogram"
LOSSES = ("crossentropy", "focal")
CLASS_WEIGHTS = ("none", "balanced")
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

    # Settings that change no trained model. The layout, label keys, class and domain lists,
    # hygiene, matching and cropping change which rows there are, their labels or their
    # input files, and all three are part of every unit's key already; folds are saved with
    # the run; bias tuning and the submission's columns act after training.
    NOT_UNIT_SETTINGS: ClassVar[frozenset] = ImageCVConfig.NOT_UNIT_SETTINGS | frozenset({
        "allow_pretrained", "train_dir", "eval_dir", "labels_dir", "images_dir", "label_key", "image_key",
        "domain_key", "box_key", "domains", "classes", "strict_matching", "crop_to_box", "drop_exact_duplicates",
        "drop_near_duplicates", "drop_photos", "hash_method", "near_distance", "photo_threshold",
        "stratify_domain", "bias_tuning", "bias_passes", "id_column", "label_column"})

    def unit_settings(self) -> dict:
        """As the base class, less the knobs of an imbalance step that is switched off."""
        settings = super().unit_settings()
        if self.loss != "focal":
            settings.pop("focal_gamma", None)
        if self.sampling not in ("oversample", "undersample"):  # class_balanced draws with power 1
            settings.pop("sampling_ratio", None)
        return settings

    def layout(self) -> layout.Layout:
        keys = KeyPaths(self.label_key, self.image_key, self.domain_key, self.box_key)
        return layout.Layout(self.train_dir, self.eval_dir, self.labels_dir, self.images_dir, keys,
                             tuple(self.domains) if self.domains else None)


DEMO = dict(image_size=64, epochs=12, patience=4, n_splits=4, tta=2, run="demo")


@dataclass
class Data:
    """Training rows kept after hygiene, the evaluation set, and what hygiene found; nothing written yet."""

    train: layout.Split
    evaluation: layout.Split | None
    vocabulary: ClassVocabulary
    y: np.ndarray
    findings: object
    dropped: list[int]
    groups: np.ndarray
    all_train: layout.Split  # before hygiene, for the report

    @property
    def n_classes(self) -> int:
        return len(self.vocabulary)


@dataclass
class CVResult:
    run_dir: Path
    scores: dict
    biases: np.ndarray
    oof: np.ndarray
    test: np.ndarray | None
    data: Data


# --- settings and data checks: nothing is written until they pass ------------------------------


def _check_settings(cfg: PictogramConfig) -> None:
    """Every setting that can be judged without the data; raises ValueError naming the setting."""
    from compete.common.data import augment
    from compete.common.models.backbones import get_spec

    check_weights(cfg.weights, cfg.allow_pretrained)
    if cfg.loss not in LOSSES:
        raise ValueError(f"Unknown loss {cfg.loss!r}; available: {', '.join(LOSSES)}")
    if cfg.class_weight not in CLASS_WEIGHTS:
        raise ValueError(f"Unknown class_weight {cfg.class_weight!r}; available: {', '.join(CLASS_WEIGHTS)}")
    _sampler(cfg)
    if cfg.sampling_ratio <= 0:
        raise ValueError(f"sampling_ratio must be positive, got {cfg.sampling_ratio}")
    if cfg.bias_tuning not in BIAS_TUNING:
        raise ValueError(f"Unknown bias_tuning {cfg.bias_tuning!r}; available: {', '.join(BIAS_TUNING)}")
    _check_hygiene_settings(cfg)
    if cfg.bias_passes < 1:
        raise ValueError(f"bias_passes must be at least 1, got {cfg.bias_passes}")
    if not cfg.seeds:
        raise ValueError("seeds must name at least one seed")
    if cfg.n_splits < 2:
        raise ValueError(f"n_splits must be at least 2, got {cfg.n_splits}")
    config.fit_options(cfg)  # schedule, optimiser, fine-tuning mode
    augment.build(cfg.augment)
    spec = get_spec(cfg.backbone)
    if cfg.image_size < spec.min_size:
        raise ValueError(f"backbone {spec.name!r} needs inputs of at least {spec.min_size} px, got "
                         f"image_size {cfg.image_size}")


def _check_hygiene_settings(cfg: PictogramConfig) -> None:
    from compete.common.hygiene.hashing import HASHES

    if cfg.hash_method not in HASHES:
        raise ValueError(f"Unknown hash_method {cfg.hash_method!r}; available: {', '.join(HASHES)}")
    if cfg.near_distance < 0:
        raise ValueError(f"near_distance must be at least 0, got {cfg.near_distance}")


def _sampler(cfg: PictogramConfig):
    kwargs = {"power": 1.0} if cfg.sampling == "class_balanced" else {"ratio": cfg.sampling_ratio}
    return sampling.make_sampler(cfg.sampling, **({} if cfg.sampling in ("none", "", None) else kwargs))


def _read(cfg: PictogramConfig):
    """Training and evaluation label files matched to their images, and the class vocabulary."""
    lay = cfg.layout()
    train = layout.read_train(cfg.data, lay)
    for label_file, why in train.unmatched[:10]:
        logger.info(f"  unmatched label file {label_file}: {why}")
    if train.unmatched:
        message = f"{len(train.unmatched)} training label file(s) have no image"
        if cfg.strict_matching:
            raise DataError(train.unmatched[0][0], message + " (strict_matching is on)")
        logger.info(message + ": left out")
    classes = tuple(cfg.classes) if cfg.classes else tuple(sorted(set(train.labels)))
    vocabulary = ClassVocabulary(classes)
    evaluation = layout.read_eval(cfg.data, lay, known_classes=set(train.labels))
    if evaluation is not None:
        for label_file, why in evaluation.unmatched[:10]:
            logger.info(f"  unmatched evaluation label file {label_file}: {why}")
    return train, evaluation, vocabulary


def _scan(cfg: PictogramConfig, train, evaluation):
    """Decode every training and evaluation image once (an unreadable one raises DataError naming it)."""
    from compete.common.hygiene import inspect

    eval_paths = [] if evaluation is None else evaluation.paths
    logger.info(f"hygiene: scanning {len(train.paths)} training and {len(eval_paths)} evaluation images "
                f"({cfg.hash_method}, near = at most {cfg.near_distance} bit(s) apart, "
                f"photo score > {cfg.photo_threshold:g})")
    return inspect(train.paths, eval_paths, max_distance=cfg.near_distance, photo_threshold=cfg.photo_threshold,
                   hash_method=cfg.hash_method, workers=cfg.workers or None)


def _prepare(cfg: PictogramConfig, need_test: bool = False) -> Data:
    """Read, scan, choose the rows hygiene keeps, encode labels, check boxes; reads only, writes nothing."""
    train, evaluation, vocabulary = _read(cfg)
    if evaluation is None and need_test:
        raise DataError(Path(cfg.data) / cfg.eval_dir / cfg.images_dir, "needed to write a submission but not found")
    findings = _scan(cfg, train, evaluation)
    dropped = findings.to_drop(cfg.drop_exact_duplicates, cfg.drop_near_duplicates, cfg.drop_photos)
    keep = np.setdiff1d(np.arange(len(train.paths)), dropped)
    if cfg.limit_train:
        keep = keep[:cfg.limit_train]
    pick = lambda values: None if values is None else [values[i] for i in keep]  # noqa: E731
    kept = layout.Split(pick(train.ids), pick(train.paths), pick(train.labels), pick(train.domains),
                        pick(train.boxes), pick(train.label_files), train.unmatched)
    y = vocabulary.encode(kept.labels, source=Path(cfg.data) / cfg.train_dir,
                          row_names=[str(f) for f in kept.label_files])
    groups = findings.duplicates.group_ids()[keep]
    if cfg.crop_to_box:
        _check_boxes(kept, cfg)
        if _crops_evaluation(evaluation):
            _check_boxes(evaluation, cfg)
    return Data(kept, evaluation, vocabulary, y, findings, dropped, groups, train)


def _crops_evaluation(evaluation) -> bool:
    return evaluation is not None and evaluation.boxes is not None and all(b is not None for b in evaluation.boxes)


def _check_boxes(split: layout.Split, cfg: PictogramConfig) -> None:
    """Every labelled box lies inside its image (DataError naming the label file), before anything is cropped."""
    from concurrent.futures import ThreadPoolExecutor

    from compete.common.data.crop import crop_image
    from compete.common.data.images import default_workers, read

    def one(i):
        if split.boxes[i] is not None:
            crop_image(read(split.paths[i]), split.boxes[i], split.label_files[i])

    if split.boxes is None:
        return
    with ThreadPoolExecutor(cfg.workers or default_workers()) as pool:
        list(pool.map(one, range(len(split.paths))))


def crop_cache(cfg: PictogramConfig) -> Path:
    """Where crops to the labelled boxes are kept between commands (keyed by image, its mtime and the box)."""
    return Path(cfg.runs_dir) / ".cache" / f"{COMPETITION}-crops"


# --- inside the run: the hygiene report, the engine's rows, training, scores -------------------


def _report_hygiene(cfg: PictogramConfig, findings, train, evaluation, run: Run) -> dict:
    """hygiene.json and hygiene.png in the run, and a summary in the log."""
    labels = list(train.labels) + ([] if evaluation is None or evaluation.labels is None else evaluation.labels)
    labels += [None] * (len(findings.paths) - len(labels))
    root = Path(cfg.data)
    names = [str(Path(p).relative_to(root)) if Path(p).is_relative_to(root) else str(p) for p in findings.paths]
    report = findings.summary(labels, names)
    atomic.write_json(run.path / "hygiene.json", report)
    findings.picture(run.path / "hygiene.png")
    overlap = report["train_test_overlap"]
    conflicts = sum(g["conflicting_labels"] for g in report["exact_groups"] + report["near_groups"])
    logger.info(f"hygiene: {len(report['exact_groups'])} exact and {len(report['near_groups'])} near duplicate "
                f"group(s) ({overlap['exact']} exact / {overlap['near']} near reach the evaluation set, {conflicts} "
                f"with conflicting labels), {len(report['photos'])} photo-like training image(s)")
    for item in report["photos"][:10]:
        logger.info(f"  photo-like: {item['file']} (score {item['score']})")
    logger.info(f"hygiene report {run.path / 'hygiene.json'}, picture {run.path / 'hygiene.png'}")
    return report


def _splits(cfg: PictogramConfig, data: Data):
    """The engine's training and test rows: images (or their crops) with content hashes, one-hot targets."""
    from compete.common.training.image_learner import image_split

    train_paths = list(data.train.paths)
    eval_paths = None if data.evaluation is None else list(data.evaluation.paths)
    if cfg.crop_to_box:
        from compete.common.data.crop import crop_all

        cache = crop_cache(cfg)
        train_paths = crop_all(data.train.paths, data.train.boxes, data.train.label_files, cache, cfg.workers or None)
        if _crops_evaluation(data.evaluation):
            ev = data.evaluation
            eval_paths = crop_all(ev.paths, ev.boxes, ev.label_files, cache, cfg.workers or None)
        elif data.evaluation is not None:
            logger.info("crop_to_box: the evaluation images have no boxes, so they are used whole")
        logger.info(f"crop_to_box: training on the labelled boxes (cropped copies in {cache})")
    digests = config.digest_cache(cfg)
    targets = np.eye(data.n_classes, dtype=np.float32)[data.y]
    train = image_split(data.train.ids, train_paths, targets, digests)
    test = None if eval_paths is None else image_split(data.evaluation.ids, eval_paths, None, digests)
    return train, test


def _learner(cfg: PictogramConfig, data: Data):
    from compete.common.models.classifier import build_image_classifier
    from compete.common.models.losses import CategoricalFocalLoss

    n_classes = data.n_classes

    def build_model():
        return build_image_classifier(cfg.backbone, cfg.image_size, n_classes, "softmax", cfg.weights, cfg.dropout)

    loss = CategoricalFocalLoss(cfg.focal_gamma) if cfg.loss == "focal" else "categorical_crossentropy"
    sampler = _sampler(cfg)
    weights = sampling.class_weights(data.y, n_classes) if cfg.class_weight == "balanced" else None
    prior = np.bincount(data.y, minlength=n_classes).astype(np.float32) / max(1, len(data.y))
    return config.image_learner(cfg, build_model, loss=loss, fallback=prior,
                                resample=None if sampler is None else sampler.hook(data.y), class_weight=weights)


def _fold_maker(cfg: PictogramConfig, data: Data, seed: int):
    """`make(rows)` for the seed's fold column: stratified on class (and domain), duplicate groups kept whole."""
    keys = [data.y]
    if cfg.stratify_domain and cfg.domain_key and data.train.domains and data.train.domains[0] is not None:
        keys.append(np.asarray([str(d) for d in data.train.domains]))

    def make(rows):
        from compete.common.runs.folds import multi_key_folds

        return multi_key_folds(*(k[rows] for k in keys), n_splits=cfg.n_splits, seed=seed, groups=data.groups[rows])

    return make


def cross_validate(cfg: PictogramConfig, units=None, wait: bool = False, train_units: bool = True,
                   need_test: bool = False) -> CVResult | None:
    """Hygiene, then train the units not done yet (all, or just `units`), score macro-F1; artefacts in the run."""
    from compete.common.runs.engine import Engine

    _check_settings(cfg)
    data = _prepare(cfg, need_test)
    learner = _learner(cfg, data)
    run = Run(cfg.runs_dir, COMPETITION, cfg.run or config.default_run_name(cfg))
    with Session(run, units, wait) as session:
        _report_hygiene(cfg, data.findings, data.all_train, data.evaluation, run)
        _log_rows(cfg, data)
        train, test = _splits(cfg, data)
        logger.info(f"run {run.path}: {len(train)} training images in {data.n_classes} classes, "
                    f"{0 if test is None else len(test)} evaluation images, {cfg.n_splits} folds x {len(cfg.seeds)} "
                    f"seed(s), {cfg.backbone} at {cfg.image_size}px, loss {cfg.loss}, sampling {cfg.sampling}, "
                    f"class_weight {cfg.class_weight}")
        spec = {"multi_key_folds": cfg.n_splits, "domain": bool(cfg.stratify_domain and cfg.domain_key)}
        folds = {seed: session.fold_column(seed, train.ids, _fold_maker(cfg, data, seed), spec) for seed in cfg.seeds}
        done = session.execute(Engine(run, learner, train, test, folds), train=train_units)
        if done is None:
            return None
        out = done[0]
        scores, biases = _score(cfg, data, out, folds, run.path)
        artefacts.save(run.path, out, train, test, folds)
        artefacts.write_outputs(run, config.to_dict(cfg), scores,
                                biases=dict(zip(data.vocabulary.classes, map(float, biases))))
        _report(scores)
        logger.info(f"confusion matrix {run.path / 'confusion.png'}")
    return CVResult(run.path, scores, biases, out.oof, out.test, data)


def assemble(cfg: PictogramConfig, wait: bool = False) -> CVResult:
    """Combine the finished units (trained by `cv` or `cv --unit`) and score them; trains nothing."""
    return cross_validate(cfg, wait=wait, train_units=False)


def _log_rows(cfg: PictogramConfig, data: Data) -> None:
    if data.dropped:
        logger.info(f"hygiene: leaving out {len(data.dropped)} training image(s) (exact={cfg.drop_exact_duplicates}, "
                    f"near={cfg.drop_near_duplicates}, photos={cfg.drop_photos})")
    repeated = len(data.groups) - len(np.unique(data.groups))
    if repeated:
        logger.info(f"folds: {repeated} duplicate(s) kept in training stay in their original's fold, so none is "
                    "validated on a copy of itself")


def _score(cfg: PictogramConfig, data: Data, out, folds: dict, run_path: Path) -> tuple[dict, np.ndarray]:
    """Macro-F1 and accuracy of the OOF argmax, with per-class biases tuned in-sample and out of fold."""
    n_classes, y = data.n_classes, data.y
    pred = out.oof.argmax(1)
    logs = biastuning.log_scores(out.oof)
    biases, tuned = biastuning.tune(y, logs, passes=cfg.bias_passes)
    held = biastuning.held_out(y, logs, folds[cfg.seeds[0]], passes=cfg.bias_passes)
    units = out.score_units(folds, lambda rows, p: classmetrics.macro_f1(y[rows], p.argmax(1), n_classes), "macro_f1")
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
    if len(out.seeds) > 1:
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
    scores["units"] = units
    scores["unreadable_test_images"] = out.failed_test
    matrix = classmetrics.confusion_matrix(y, pred, n_classes)
    confusion_image.draw(matrix, ascii_names(data.vocabulary.classes), run_path / "confusion.png",
                         title=f"OOF confusion, macro-F1 {scores['macro_f1']:.3f} (rows true, columns predicted)")
    return scores, biases


def _report(scores: dict) -> None:
    log = logger.info
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
    failed = scores.get("unreadable_test_images") or []
    if failed:
        log(f"{len(failed)} evaluation image(s) could not be read and were given the training prior: {failed[:10]}"
            + (" ..." if len(failed) > 10 else ""))


def submit(cfg: PictogramConfig, wait: bool = False) -> Path:
    """Train what is missing, assemble, then write submissions/pictogram/<run>.csv, checked."""
    submission_format((), cfg.id_column, cfg.label_column)  # column names are a settings check
    result = cross_validate(cfg, wait=wait, need_test=True)
    evaluation = result.data.evaluation
    use_biases = _use_biases(cfg.bias_tuning, result.scores)
    scores = biastuning.log_scores(result.test)
    decisions = biastuning.apply(scores, result.biases) if use_biases else scores.argmax(1)
    fmt = submission_format(result.data.vocabulary.classes, cfg.id_column, cfg.label_column)
    frame = pd.DataFrame({cfg.id_column: evaluation.ids, cfg.label_column: result.data.vocabulary.decode(decisions)})
    path = Path(cfg.submissions_dir) / COMPETITION / f"{result.run_dir.name}.csv"
    submission.write(frame, path, expected(evaluation.ids, fmt), fmt)
    key = "macro_f1_bias_tuned_held_out" if use_biases else "macro_f1"
    logger.info(f"submission written and checked: {path} ({len(frame)} rows)")
    logger.info(f"CV macro-F1 {result.scores[key]:.4f} "
                f"({'per-class biases tuned out of fold' if use_biases else 'argmax'})")
    return path


def _use_biases(mode: str, scores: dict) -> bool:
    """Whether the submission applies the tuned biases: always ("on"), never ("off"), or when they help out of fold."""
    plain, tuned = scores["macro_f1"], scores["macro_f1_bias_tuned_held_out"]
    use = mode == "on" or (mode == "auto" and tuned > plain)
    logger.info(f"bias tuning {mode}: out-of-fold macro-F1 {tuned:.4f} with biases vs {plain:.4f} without, so the "
                f"submission {'applies' if use else 'does not apply'} them")
    return use


def check(cfg: PictogramConfig) -> dict:
    """Validate a download without training: labels parse, images match and decode, boxes lie inside."""
    from compete.common.data.crop import crop_image
    from compete.common.data.images import read

    check_weights(cfg.weights, cfg.allow_pretrained)
    train, evaluation, vocabulary = _read(cfg)
    counts = pd.Series(train.labels).value_counts()
    logger.info(f"training: {len(train.paths)} labelled images in {len(vocabulary)} classes "
                f"(largest {counts.iloc[0]}, smallest {counts.iloc[-1]}), {len(train.unmatched)} unmatched label "
                "file(s)")
    vocabulary.encode(train.labels, source=Path(cfg.data) / cfg.train_dir,
                      row_names=[str(f) for f in train.label_files])
    if evaluation is None:
        logger.info(f"no {cfg.eval_dir}/{cfg.images_dir}: cv works, submit needs it")
    else:
        logger.info(f"evaluation: {len(evaluation.paths)} images, {len(evaluation.labelled())} with labels")
    logger.info("decoding every image and checking every box ...")
    splits = [train] + ([evaluation] if evaluation is not None else [])
    for split in splits:
        for i, path in enumerate(split.paths):
            image = read(path)
            if split.boxes is not None and split.boxes[i] is not None:
                crop_image(image, split.boxes[i], split.label_files[i])
    logger.info("ok: every label parses, every image decodes, every box lies inside its image")
    return {"train": len(train.paths), "eval": 0 if evaluation is None else len(evaluation.paths),
            "classes": list(vocabulary.classes), "unmatched": [str(f) for f, _ in train.unmatched]}


def hygiene(cfg: PictogramConfig, wait: bool = False) -> dict:
    """Report exact / near duplicates (incl. train-evaluation overlap) and photo-like images; trains nothing."""
    _check_hygiene_settings(cfg)
    train, evaluation, _ = _read(cfg)
    findings = _scan(cfg, train, evaluation)
    would = findings.to_drop(cfg.drop_exact_duplicates, cfg.drop_near_duplicates, cfg.drop_photos)
    run = Run(cfg.runs_dir, COMPETITION, cfg.run or config.default_run_name(cfg))
    with Session(run, wait=wait):
        report = _report_hygiene(cfg, findings, train, evaluation, run)
        logger.info(f"with the current settings, cv would leave out {len(would)} of {len(train.paths)} training "
                    "images")
    return report


PIPELINE = register(Pipeline(
    name=COMPETITION, config=PictogramConfig,
    actions={"cv": cross_validate, "assemble": assemble, "submit": submit, "check": check, "hygiene": hygiene},
    sample=lambda out_dir, seed=0: sample_data.generate(out_dir, seed=seed),
    demo=DEMO, summary="2022 Data Creator Camp pictograms (20 classes, macro-F1, no pre-trained weights)"))
