"""2022 Data Creator Camp (university track): 20-class abstract images, macro-F1, from-scratch CNNs.

Recipe: JSON labels matched to images -> hygiene (exact / near duplicates incl.
train-test overlap, stray photographs) reported and optionally dropped -> optional
crop to the labelled box -> folds stratified on class and domain (duplicates kept together) -> per unit
(seed, fold), train a from-scratch CNN (imbalance: resampling, class weights or focal loss)
-> OOF macro-F1 and accuracy, per-class / per-domain, confusion matrix, per-class
bias tuning (scored out of fold) -> the checked submission.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import BeforeValidator, model_validator

from compete.common.errors import DataError, quoted
from compete.common.logs import logger, result
from compete.common.settings.fields import (CV, DATA, MODEL, OUTPUT, PREDICTION, TRAINING, Bool, Float, Int,
                                            comma_list, setting, to_int)
from compete.common.settings.model import Invalid, SettingsError
from compete.common.settings.shared import (Augment, Backbone, Epochs, ImageCVConfig, ImageSize, LearningRate,
                                            LrSchedule, Patience, SingleLabelImageConfig, Weights)
from compete.competitions.pictogram.classes import DOMAINS
from compete.pipelines.registry import Pipeline, register

COMPETITION = "pictogram"
HYGIENE = "hygiene"  # a help group of its own

# Choices, kept here so the settings can list them without importing the code that implements them
# (tests check them against the registries they mirror).
LOSSES = ("crossentropy", "focal")
CLASS_WEIGHTS = ("none", "balanced")
BIAS_TUNING = ("auto", "on", "off")  # auto: apply the biases only when their out-of-fold score beats plain argmax
SAMPLINGS = ("none", "oversample", "undersample", "class_balanced")  # none + common.data.sampling.SAMPLERS
RATIO_SAMPLINGS = ("oversample", "undersample")  # the ones sampling_ratio steers (class_balanced: power 1)
HASH_METHODS = ("phash", "dhash")  # common.hygiene.hashing.HASHES
# Dihedral TTA views that make sense for pictograms: the first two, identity and the horizontal flip
# the training augments with. A vertical flip or a rotation turns many pictograms into another picture
# (an upside-down umbrella, a cup with its handle on top) that the model never saw in training.
PICTOGRAM_TTA = (1, 2)

def _folder(description: str):
    return Annotated[str, setting(description, DATA, allowed="a folder name", min_length=1)]


def _key(description: str, required: bool = True):
    allowed = "a dotted key path such as a.b.c" + ("" if required else ", or empty for none")
    return Annotated[str, setting(description, DATA, allowed=allowed, min_length=1 if required else 0)]


def _column(description: str):
    return Annotated[str, setting(description, OUTPUT, allowed="a column name", min_length=1)]


TrainDir = _folder("training folder inside the download")
EvalDir = _folder("evaluation folder inside the download (one submission row per image)")
LabelsDir = _folder("label-file folder inside the training and evaluation folders")
ImagesDir = _folder("image folder inside the training and evaluation folders")
LabelKey = _key("where a label file keeps the class name")
ImageKey = _key("where a label file keeps its image's path (matched by file stem when stale)")
DomainKey = _key("where a label file keeps the drawing style", required=False)
BoxKey = _key("where a label file keeps the labelled box [x, y, w, h]", required=False)
IdColumn = _column("submission column of the evaluation image file names")
LabelColumn = _column("submission column of the predicted class names")
PictogramTTA = Annotated[Literal[PICTOGRAM_TTA], BeforeValidator(to_int), setting(
    "test-time augmentation: views averaged per image (vertical flips and rotations make other pictograms)",
    PREDICTION, allowed="1 (the image alone) or 2 (and its horizontal flip)")]


class PictogramConfig(SingleLabelImageConfig):
    """Defaults are the README's recipe: a small from-scratch CNN at 48 px, 30 epochs on a cosine schedule, and
    augmentation across drawing styles (scale and shift, any colour, grayscale, pencil sketches); hygiene on."""

    backbone: Backbone = "small_cnn"
    weights: Weights = None
    allow_pretrained: Annotated[Bool, setting(
        "break the camp's rule and allow pre-trained weights (experiments only; not a valid entry)", MODEL)] = False
    image_size: ImageSize = 48
    epochs: Epochs = 30
    patience: Patience = 6
    learning_rate: LearningRate = 2e-3
    lr_schedule: LrSchedule = "cosine"
    augment: Augment = ["hflip", "scale_shift", "color_jitter", "grayscale", "sketch"]
    tta: PictogramTTA = 2
    # Layout and label schema.
    train_dir: TrainDir = "1.Training"
    eval_dir: EvalDir = "2.Validation"
    labels_dir: LabelsDir = "라벨링데이터"
    images_dir: ImagesDir = "원천데이터"
    label_key: LabelKey = "category.ctg_nm_level3"
    image_key: ImageKey = "abstract_image.abs_path"
    domain_key: DomainKey = "abstract_image.abs_domain"
    box_key: BoxKey = "abstract_image.abs_bbox"
    domains: Annotated[comma_list(str), setting(
        "drawing styles a label file may name, comma-separated (empty: any)", DATA,
        allowed="a list of names, or empty for any")] = list(DOMAINS)
    classes: Annotated[comma_list(str), setting(
        "class names in their id order, comma-separated (empty: the training labels, sorted)", DATA,
        allowed="a list of distinct names, or empty")] = []
    strict_matching: Annotated[Bool, setting(
        "stop when a training label file has no image (default: leave it out and say so)", DATA)] = False
    crop_to_box: Annotated[Bool, setting(
        "train and predict on the labelled boxes instead of the whole images", DATA)] = False
    # Hygiene.
    drop_exact_duplicates: Annotated[Bool, setting(
        "leave out training images identical to another (or to an evaluation image)", HYGIENE)] = True
    drop_near_duplicates: Annotated[Bool, setting(
        "leave out training images nearly identical to another (or to an evaluation image)", HYGIENE)] = True
    drop_photos: Annotated[Bool, setting("leave out photograph-like training images", HYGIENE)] = True
    hash_method: Annotated[Literal[HASH_METHODS], setting(
        "perceptual hash for near duplicates", HYGIENE)] = "phash"
    near_distance: Annotated[Int, setting(
        "bits two perceptual hashes may differ by and still be near duplicates (pHash sets 32 of its 64 bits "
        "for any image brighter than black, so its distances are even: 1 finds what 0 does)", HYGIENE, ge=0, le=63)] = 2
    photo_threshold: Annotated[Float, setting(
        "photo-likeness score (robust z over the training images) above which an image counts as a photo",
        HYGIENE, gt=0, le=100)] = 4.0
    # Imbalance.
    sampling: Annotated[Literal[SAMPLINGS], setting(
        "resampling of each fold's training rows against class imbalance", TRAINING)] = "none"
    sampling_ratio: Annotated[Float, setting(
        "oversample: each class up to ratio x the largest; undersample: down to ratio x the smallest", TRAINING,
        gt=0, le=100)] = 1.0
    class_weight: Annotated[Literal[CLASS_WEIGHTS], setting(
        "per-class loss weights: none, or balanced (n / (classes x count))", TRAINING)] = "none"
    loss: Annotated[Literal[LOSSES], setting("training loss", TRAINING)] = "crossentropy"
    focal_gamma: Annotated[Float, setting("focusing exponent of the focal loss (0: cross-entropy)", TRAINING,
                                          ge=0, le=10)] = 2.0
    stratify_domain: Annotated[Bool, setting(
        "stratify the folds on class and drawing style together (else on class alone)", CV)] = True
    # Post-processing and submission.
    bias_tuning: Annotated[Literal[BIAS_TUNING], setting(
        "per-class score biases tuned for OOF macro-F1: auto (applied when they help out of fold), on, off",
        PREDICTION)] = "auto"
    bias_passes: Annotated[Int, setting("coordinate-ascent passes when tuning the per-class biases", PREDICTION,
                                        ge=1, le=20)] = 2
    id_column: IdColumn = "file_name"
    label_column: LabelColumn = "class_name"

    # Settings that change no trained model. The layout, label keys, class and domain lists,
    # hygiene, matching and cropping change which rows there are, their labels or their
    # input files, and all three are part of every unit's key already; folds are saved with
    # the run; bias tuning and the submission's columns act after training.
    NOT_UNIT_SETTINGS: ClassVar[frozenset] = ImageCVConfig.NOT_UNIT_SETTINGS | frozenset({
        "allow_pretrained", "train_dir", "eval_dir", "labels_dir", "images_dir", "label_key", "image_key",
        "domain_key", "box_key", "domains", "classes", "strict_matching", "crop_to_box", "drop_exact_duplicates",
        "drop_near_duplicates", "drop_photos", "hash_method", "near_distance", "photo_threshold",
        "stratify_domain", "bias_tuning", "bias_passes", "id_column", "label_column"})

    BACKBONE_MODULES: ClassVar[tuple[str, ...]] = ("compete.competitions.pictogram.model",)  # camp_cnn, camp_cnn_tiny

    def check_weights_rule(self) -> None:
        """The camp's rule, so that a user asking for pre-trained weights is told the rule, not a backbone detail."""
        from compete.competitions.pictogram.rules import RULE, refused

        if refused(self.weights, self.allow_pretrained):
            raise Invalid("weights", self.weights, RULE,
                          "none (train from scratch); or set allow_pretrained (--allow-pretrained) to break the rule")

    @model_validator(mode="after")
    def _fits_the_recipe(self):
        """Settings that only make sense together."""
        for name, used, step, choices in (("sampling_ratio", self.sampling in RATIO_SAMPLINGS, "sampling",
                                           RATIO_SAMPLINGS), ("focal_gamma", self.loss == "focal", "loss", ("focal",)),
                                          ("label_smoothing", self.loss == "crossentropy", "loss", ("crossentropy",))):
            default = type(self).model_fields[name].default
            if not used and getattr(self, name) != default:
                raise Invalid(name, getattr(self, name), f"used only with {step} {' or '.join(choices)}",
                              f"{default} (the default), or set {step} to {' or '.join(choices)}")
        if self.crop_to_box and not self.box_key:
            raise Invalid("crop_to_box", self.crop_to_box, "there is no box to crop to: box_key is empty",
                          "false, or name the box with box_key")
        if self.id_column == self.label_column:
            raise Invalid("label_column", self.label_column, "the same as id_column", "a name other than id_column")
        if len(set(self.classes)) != len(self.classes):
            repeated = sorted({c for c in self.classes if self.classes.count(c) > 1})
            raise Invalid("classes", self.classes, f"{', '.join(map(repr, repeated))} named twice", "distinct names")
        return self

    def unit_settings(self) -> dict:
        """As the base class, less the knobs of an imbalance step that is switched off."""
        settings = super().unit_settings()
        if self.loss != "focal":
            settings.pop("focal_gamma", None)
        if self.sampling not in RATIO_SAMPLINGS:  # class_balanced draws with power 1
            settings.pop("sampling_ratio", None)
        return settings

    def layout(self):
        """The download's folder names and label keys, as the layout reader takes them."""
        from compete.common.io.jsonlabels import KeyPaths
        from compete.competitions.pictogram.layout import Layout

        keys = KeyPaths(self.label_key, self.image_key, self.domain_key, self.box_key)
        return Layout(self.train_dir, self.eval_dir, self.labels_dir, self.images_dir, keys,
                      tuple(self.domains) if self.domains else None)


DEMO = dict(image_size=48, epochs=12, patience=4, n_splits=4, run="demo")


@dataclass
class Data:
    """Training rows kept after hygiene, the evaluation set, and what hygiene found; nothing written yet."""

    train: "layout.Split"
    evaluation: "layout.Split | None"
    vocabulary: "ClassVocabulary"
    y: "np.ndarray"
    findings: object
    dropped: list[int]
    groups: "np.ndarray"
    all_train: "layout.Split"  # before hygiene, for the report

    @property
    def n_classes(self) -> int:
        return len(self.vocabulary)


@dataclass
class CVResult:
    run_dir: Path
    scores: dict
    biases: "np.ndarray"
    oof: "np.ndarray"
    test: "np.ndarray | None"
    data: Data


# --- data checks: the settings are checked when they are made; nothing is written until these pass ---------


def _sampler(cfg: PictogramConfig):
    from compete.common.data import sampling

    if cfg.sampling == "none":
        return None
    kwargs = {"power": 1.0} if cfg.sampling == "class_balanced" else {"ratio": cfg.sampling_ratio}
    return sampling.make_sampler(cfg.sampling, **kwargs)


def _shown(value, limit: int = 60) -> str:
    """A name from the data as it is when short, cut (and quoted) when long: log lines stay readable."""
    text = str(value)
    return text if len(text) <= limit else quoted(text, limit)


def _listed(items, limit: int = 3) -> str:
    """The first few names, each cut to a readable length, and how many more."""
    items = list(items)
    return ", ".join(quoted(str(i), 60) for i in items[:limit]) + (f" and {len(items) - limit} more"
                                                                 if len(items) > limit else "")


def _read(cfg: PictogramConfig):
    """Training and evaluation label files matched to their images, and the class vocabulary."""
    from compete.common.data.labels import ClassVocabulary
    from compete.competitions.pictogram import layout

    lay = cfg.layout()
    train = layout.read_train(cfg.data, lay)
    for label_file, why in train.unmatched[:10]:
        logger.info(f"  unmatched label file {label_file}: {why}")
    if train.unmatched:
        message = f"{len(train.unmatched)} training label file(s) have no image"
        if cfg.strict_matching:
            raise DataError(train.unmatched[0][0], message + " (strict_matching is on)")
        logger.warning(message + f": left out ({_listed(Path(f).name for f, _ in train.unmatched)})")
    if train.unlabelled:
        for path in train.unlabelled[:10]:
            logger.info(f"  training image without a label file: {path}")
        logger.warning(f"{len(train.unlabelled)} training image(s) have no label file: left out "
                       f"({_listed(p.name for p in train.unlabelled)})")
    if cfg.classes:
        unknown = sorted(set(train.labels) - set(cfg.classes))
        if unknown:
            first = next(f for f, label in zip(train.label_files, train.labels) if label == unknown[0])
            raise DataError(first, f"class {quoted(unknown[0])} is not one of the {len(cfg.classes)} classes the "
                                   f"settings name ({quoted(list(cfg.classes), 120)}); {len(unknown)} such class(es)")
    classes = tuple(cfg.classes) if cfg.classes else tuple(sorted(set(train.labels)))
    vocabulary = ClassVocabulary(classes)
    evaluation = layout.read_eval(cfg.data, lay, known_classes=set(train.labels))
    if evaluation is not None and evaluation.labels is not None:
        unlabelled = [evaluation.paths[i].name for i, label in enumerate(evaluation.labels) if label is None]
        if unlabelled:
            logger.info(f"{len(unlabelled)} evaluation image(s) have no label file, so they are predicted but not "
                        f"scored ({_listed(unlabelled, 10)})")
    if evaluation is not None and evaluation.unmatched:
        for label_file, why in evaluation.unmatched[:10]:
            logger.info(f"  unmatched evaluation label file {label_file}: {why}")
        logger.warning(f"{len(evaluation.unmatched)} evaluation label file(s) have no image, so those images are in "
                       f"no submission row ({_listed(Path(f).name for f, _ in evaluation.unmatched)})")
    return train, evaluation, vocabulary


def _unreadable_training(train, bad: list[tuple[int, str]]) -> DataError:
    """The refusal of unreadable training images: training on fewer images than the download has would change
    every score without a word, so the user replaces or deletes them (a deleted image's label file is then left
    out and listed)."""
    first, problem = bad[0]
    return DataError(train.paths[first], f"{problem}; {len(bad)} training image(s) unreadable "
                                         f"({_listed(train.paths[i].name for i, _ in bad)}): replace or delete them "
                                         "(a label file without its image is then left out and listed)")


def _warn_unreadable_evaluation(evaluation, bad: list[tuple[int, str]]) -> None:
    """A warning line per unreadable evaluation image (the first ten): each still gets a row, the training prior."""
    for i, problem in bad[:10]:
        logger.warning(f"evaluation image {evaluation.paths[i]}: {problem} (it gets the training prior)")
    if len(bad) > 10:
        logger.warning(f"... and {len(bad) - 10} more unreadable evaluation image(s)")


def _scan(cfg: PictogramConfig, train, evaluation):
    """Decode every training and evaluation image once: an unreadable training image stops here (DataError),
    an unreadable evaluation image is warned about and listed in the findings (it gets the fallback later)."""
    from compete.common.hygiene import inspect
    from compete.common.hygiene.report import TEST, TRAIN

    eval_paths = [] if evaluation is None else evaluation.paths
    logger.info(f"hygiene: scanning {len(train.paths)} training and {len(eval_paths)} evaluation images "
                f"({cfg.hash_method}, near = at most {cfg.near_distance} bit(s) apart, "
                f"photo score > {cfg.photo_threshold:g})")
    findings = inspect(train.paths, eval_paths, max_distance=cfg.near_distance, photo_threshold=cfg.photo_threshold,
                       hash_method=cfg.hash_method, workers=cfg.workers or None)
    if findings.unreadable_in(TRAIN):
        raise _unreadable_training(train, findings.unreadable_in(TRAIN))
    if evaluation is not None:
        _warn_unreadable_evaluation(evaluation, findings.unreadable_in(TEST))
    return findings


def _prepare(cfg: PictogramConfig, need_test: bool = False) -> Data:
    """Read, scan, choose the rows hygiene keeps, encode labels, check folds and boxes; reads only, writes nothing."""
    import numpy as np

    from compete.common.hygiene.report import TEST
    from compete.competitions.pictogram import layout

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
                        pick(train.boxes), pick(train.label_files), train.unmatched, train.unlabelled)
    y = vocabulary.encode(kept.labels, source=Path(cfg.data) / cfg.train_dir,
                          row_names=[str(f) for f in kept.label_files])
    _check_folds(cfg, y, vocabulary)
    groups = findings.duplicates.group_ids()[keep]
    if cfg.crop_to_box:
        _check_boxes(kept, cfg)
        if _crops_evaluation(evaluation):
            _check_boxes(evaluation, cfg, skip={i for i, _ in findings.unreadable_in(TEST)})
    return Data(kept, evaluation, vocabulary, y, findings, dropped, groups, train)


def _check_folds(cfg: PictogramConfig, y, vocabulary) -> None:
    """Every class in every validation fold: n_splits at most the rarest class's images (after hygiene)."""
    from compete.common.runs.folds import check_class_counts

    check_class_counts(y, cfg.n_splits, vocabulary.classes,
                       "after hygiene" + (" and limit_train" if cfg.limit_train else ""))


def _crops_evaluation(evaluation) -> bool:
    return evaluation is not None and evaluation.boxes is not None and all(b is not None for b in evaluation.boxes)


def _check_boxes(split, cfg: PictogramConfig, skip=frozenset()) -> None:
    """Every labelled box lies inside its image (DataError naming the label file), before anything is cropped.

    Rows in `skip` (unreadable evaluation images, which get the fallback) are not looked at.
    """
    from concurrent.futures import ThreadPoolExecutor

    from compete.common.data.crop import crop_image
    from compete.common.data.images import default_workers, read

    def one(i):
        if split.boxes[i] is not None and i not in skip:
            crop_image(read(split.paths[i]), split.boxes[i], split.label_files[i])

    if split.boxes is None:
        return
    with ThreadPoolExecutor(cfg.workers or default_workers()) as pool:
        list(pool.map(one, range(len(split.paths))))


def crop_cache(cfg: PictogramConfig) -> Path:
    """Where crops to the labelled boxes are kept between commands (keyed by image, its mtime and the box)."""
    return Path(cfg.runs_dir) / ".cache" / f"{COMPETITION}-crops"


# --- inside the run: the hygiene report, the engine's rows, training, scores -------------------


def _report_hygiene(cfg: PictogramConfig, findings, train, evaluation, run, say=logger.info) -> dict:
    """hygiene.json and hygiene.png in the run, and a summary (through `say`)."""
    from compete.common.io import atomic

    labels = list(train.labels) + ([] if evaluation is None or evaluation.labels is None else evaluation.labels)
    labels += [None] * (len(findings.paths) - len(labels))
    root = Path(cfg.data)
    names = [str(Path(p).relative_to(root)) if Path(p).is_relative_to(root) else str(p) for p in findings.paths]
    report = findings.summary(labels, names)
    atomic.write_json(run.path / "hygiene.json", report)
    findings.picture(run.path / "hygiene.png")
    overlap = report["train_test_overlap"]
    conflicts = sum(g["conflicting_labels"] for g in report["exact_groups"] + report["near_groups"])
    say(f"hygiene: {len(report['exact_groups'])} exact and {len(report['near_groups'])} near duplicate "
        f"group(s) ({overlap['exact']} exact / {overlap['near']} near reach the evaluation set, {conflicts} "
        f"with conflicting labels), {len(report['photos'])} photo-like training image(s)")
    for item in report["photos"][:10]:
        logger.info(f"  photo-like: {_shown(item['file'], 200)} (score {item['score']})")
    if report["unreadable"]:
        say(f"hygiene: {len(report['unreadable'])} image(s) could not be read (listed in hygiene.json)")
    say(f"hygiene report {run.path / 'hygiene.json'}, picture {run.path / 'hygiene.png'}")
    return report


def _splits(cfg: PictogramConfig, data: Data):
    """The engine's training and test rows: images (or their crops) with content hashes, one-hot targets."""
    import numpy as np

    from compete.common.settings.adapters import digest_cache
    from compete.common.training.image_learner import image_split

    train_paths = list(data.train.paths)
    eval_paths = None if data.evaluation is None else list(data.evaluation.paths)
    if cfg.crop_to_box:
        from compete.common.data.crop import crop_all

        cache = crop_cache(cfg)
        train_paths = crop_all(data.train.paths, data.train.boxes, data.train.label_files, cache, cfg.workers or None)
        if _crops_evaluation(data.evaluation):
            from compete.common.hygiene.report import TEST

            ev = data.evaluation
            unreadable = {i for i, _ in data.findings.unreadable_in(TEST)}  # kept whole: the engine's fallback
            boxes = [None if i in unreadable else box for i, box in enumerate(ev.boxes)]
            eval_paths = crop_all(ev.paths, boxes, ev.label_files, cache, cfg.workers or None)
        elif data.evaluation is not None:
            logger.warning("crop_to_box: the evaluation images have no boxes, so they are used whole")
        logger.info(f"crop_to_box: training on the labelled boxes (cropped copies in {cache})")
    digests = digest_cache(cfg)
    targets = np.eye(data.n_classes, dtype=np.float32)[data.y]
    train = image_split(data.train.ids, train_paths, targets, digests)
    test = None if eval_paths is None else image_split(data.evaluation.ids, eval_paths, None, digests)
    return train, test


def _learner(cfg: PictogramConfig, data: Data):
    import keras
    import numpy as np

    from compete.common.data import sampling
    from compete.common.models.classifier import build_image_classifier
    from compete.common.models.losses import CategoricalFocalLoss
    from compete.common.settings.adapters import image_learner

    n_classes = data.n_classes

    def build_model():
        return build_image_classifier(cfg.backbone, cfg.image_size, n_classes, "softmax", cfg.weights, cfg.dropout)

    loss = (CategoricalFocalLoss(cfg.focal_gamma) if cfg.loss == "focal"
            else keras.losses.CategoricalCrossentropy(label_smoothing=cfg.label_smoothing))
    sampler = _sampler(cfg)
    weights = sampling.class_weights(data.y, n_classes) if cfg.class_weight == "balanced" else None
    prior = np.bincount(data.y, minlength=n_classes).astype(np.float32) / max(1, len(data.y))
    return image_learner(cfg, build_model, loss=loss, fallback=prior, metrics=["accuracy"],
                         resample=None if sampler is None else sampler.hook(data.y), class_weight=weights,
                         batch_transform=cfg.batch_mixer())


def _fold_maker(cfg: PictogramConfig, data: Data, seed: int):
    """`make(rows)` for the seed's fold column: stratified on class (and domain), duplicate groups kept whole."""
    import numpy as np

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
    from compete.common.runs import artefacts
    from compete.common.runs.engine import Engine
    from compete.common.runs.run import Run
    from compete.common.runs.session import Session
    from compete.common.settings.adapters import default_run_name, resolve_weights

    resolve_weights(cfg)
    data = _prepare(cfg, need_test)
    learner = _learner(cfg, data)
    run = Run(cfg.runs_dir, COMPETITION, cfg.run or default_run_name(cfg))
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
        artefacts.save(run.path, out, train, test, folds, names=data.vocabulary.classes)
        artefacts.write_outputs(run, cfg.to_dict(), scores,
                                biases=dict(zip(data.vocabulary.classes, map(float, biases))))
        _report(scores)
        logger.info(f"confusion matrix {run.path / 'confusion.png'}")
    return CVResult(run.path, scores, biases, out.oof, out.test, data)


def assemble(cfg: PictogramConfig, wait: bool = False) -> CVResult:
    """Combine the finished units (trained by `cv` or `cv --unit`) and score them; trains nothing."""
    return cross_validate(cfg, wait=wait, train_units=False)


def _log_rows(cfg: PictogramConfig, data: Data) -> None:
    import numpy as np

    if data.dropped:
        logger.info(f"hygiene: leaving out {len(data.dropped)} training image(s) (exact={cfg.drop_exact_duplicates}, "
                    f"near={cfg.drop_near_duplicates}, photos={cfg.drop_photos})")
    repeated = len(data.groups) - len(np.unique(data.groups))
    if repeated:
        logger.info(f"folds: {repeated} duplicate(s) kept in training stay in their original's fold, so none is "
                    "validated on a copy of itself")


def _score(cfg: PictogramConfig, data: Data, out, folds: dict, run_path: Path) -> tuple[dict, "np.ndarray"]:
    """Macro-F1 and accuracy of the OOF argmax, with per-class biases tuned in-sample and out of fold."""
    from compete.common.evaluation import biastuning, confusion_image
    from compete.common.evaluation import metrics as classmetrics
    from compete.competitions.pictogram.classes import ascii_names

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
    log = result
    log(f"CV on {scores['n_train']} training images ({scores['dropped_by_hygiene']} left out by hygiene):")
    log(f"  macro-F1                           {scores['macro_f1']:.4f}   accuracy {scores['accuracy']:.4f}")
    log(f"  macro-F1, biases tuned in sample   {scores['macro_f1_bias_tuned_in_sample']:.4f}")
    log(f"  macro-F1, biases tuned out of fold {scores['macro_f1_bias_tuned_held_out']:.4f}")
    for i, score in enumerate(scores.get("macro_f1_single_seeds", [])):
        log(f"  seed #{i} alone macro-F1            {score:.4f}")
    for domain, s in scores.get("per_domain", {}).items():
        log(f"  {_shown(domain, 40):<14} n={s['n']:<5} macro-F1 {s['macro_f1']:.4f}  accuracy {s['accuracy']:.4f}")
    worst = sorted(scores["per_class"], key=lambda c: c["f1"])[:3]
    log("  weakest classes: " + ", ".join(f"{_shown(c['class'], 40)} F1 {c['f1']:.2f} (n={c['support']})"
                                          for c in worst))
    if "evaluation" in scores:
        e = scores["evaluation"]
        log(f"evaluation labels ({e['n']} images): macro-F1 {e['macro_f1']:.4f}, accuracy {e['accuracy']:.4f}, "
            f"with tuned biases {e['macro_f1_bias_tuned']:.4f}")
    failed = scores.get("unreadable_test_images") or []
    if failed:
        logger.warning(f"{len(failed)} evaluation image(s) could not be read and were given the training prior: "
                       f"{_listed(failed, 10)}")


def submit(cfg: PictogramConfig, wait: bool = False) -> Path:
    """Train what is missing, assemble, then write submissions/pictogram/<run>.csv, checked.

    The evaluation images are read, decoded and checked (with everything the settings ask
    of them) before any training; the submission's columns were checked with the settings.
    """
    import pandas as pd

    from compete.common import submission
    from compete.common.evaluation import biastuning
    from compete.competitions.pictogram.format import expected, submission_format

    done = cross_validate(cfg, wait=wait, need_test=True)
    evaluation = done.data.evaluation
    use_biases = _use_biases(cfg.bias_tuning, done.scores)
    scores = biastuning.log_scores(done.test)
    decisions = biastuning.apply(scores, done.biases) if use_biases else scores.argmax(1)
    fmt = submission_format(done.data.vocabulary.classes, cfg.id_column, cfg.label_column)
    frame = pd.DataFrame({cfg.id_column: evaluation.ids, cfg.label_column: done.data.vocabulary.decode(decisions)})
    path = Path(cfg.submissions_dir) / COMPETITION / f"{done.run_dir.name}.csv"
    submission.write(frame, path, expected(evaluation.ids, fmt), fmt, run_dir=done.run_dir)
    key = "macro_f1_bias_tuned_held_out" if use_biases else "macro_f1"
    result(f"submission written and checked: {path} ({len(frame)} rows)")
    result(f"CV macro-F1 {done.scores[key]:.4f} ({'per-class biases tuned out of fold' if use_biases else 'argmax'})")
    # The camp took its submissions by hand, not through Kaggle: there is no upload command to suggest.
    return path


def _use_biases(mode: str, scores: dict) -> bool:
    """Whether the submission applies the tuned biases: always ("on"), never ("off"), or when they help out of fold."""
    plain, tuned = scores["macro_f1"], scores["macro_f1_bias_tuned_held_out"]
    use = mode == "on" or (mode == "auto" and tuned > plain)
    logger.info(f"bias tuning {mode}: out-of-fold macro-F1 {tuned:.4f} with biases vs {plain:.4f} without, so the "
                f"submission {'applies' if use else 'does not apply'} them")
    return use


def _decode_all(split, workers) -> list[tuple[int, str]]:
    """Decode every image of `split` once and check its box; (row, problem) of those that cannot be read.

    A box outside its image raises DataError naming the label file.
    """
    from concurrent.futures import ThreadPoolExecutor

    from compete.common.data.crop import crop_image
    from compete.common.data.images import default_workers, read

    def one(i):
        try:
            image = read(split.paths[i])
        except DataError as error:
            return error.problem
        if split.boxes is not None and split.boxes[i] is not None:
            crop_image(image, split.boxes[i], split.label_files[i])
        return None

    with ThreadPoolExecutor(workers or default_workers()) as pool:
        problems = list(pool.map(one, range(len(split.paths))))
    return [(i, why) for i, why in enumerate(problems) if why is not None]


def check(cfg: PictogramConfig) -> dict:
    """Validate a download without training: labels parse, images match and decode, boxes lie inside."""
    import pandas as pd

    from compete.common.data.images import find_transparent
    from compete.common.runs.folds import rarest_class

    train, evaluation, vocabulary = _read(cfg)
    counts = pd.Series(train.labels).value_counts()
    logger.info(f"training: {len(train.paths)} labelled images in {len(vocabulary)} classes "
                f"(largest {counts.iloc[0]}, smallest {counts.iloc[-1]}), {len(train.unmatched)} unmatched label "
                f"file(s), {len(train.unlabelled)} image(s) without a label file")
    y = vocabulary.encode(train.labels, source=Path(cfg.data) / cfg.train_dir,
                          row_names=[str(f) for f in train.label_files])
    k, count = rarest_class(y)
    if k >= 0 and count < cfg.n_splits:
        logger.warning(f"the rarest class {quoted(vocabulary.classes[k], 60)} has {count} training image(s), fewer "
                       f"than n_splits {cfg.n_splits}: cv will refuse these folds")
    if evaluation is None:
        logger.warning(f"no {cfg.eval_dir}/{cfg.images_dir}: cv works, submit needs it")
    else:
        logger.info(f"evaluation: {len(evaluation.paths)} images, {len(evaluation.labelled())} with labels")
    logger.info("decoding every image and checking every box ...")
    workers = cfg.workers or None
    bad_train = _decode_all(train, workers)
    if bad_train:
        raise _unreadable_training(train, bad_train)
    bad_eval = [] if evaluation is None else _decode_all(evaluation, workers)
    if bad_eval:
        _warn_unreadable_evaluation(evaluation, bad_eval)
    eval_paths = [] if evaluation is None else evaluation.paths
    transparent = find_transparent(list(train.paths) + list(eval_paths), workers)
    n_train_alpha = len(set(transparent) & {str(p) for p in train.paths})
    alpha = f"{len(transparent)} image(s) carry transparency (composited on {cfg.transparent_background})"
    logger.info(f"{alpha}: {n_train_alpha} training, {len(transparent) - n_train_alpha} evaluation")
    n_eval = len(eval_paths)
    result(f"ok: {len(train.paths)} training and {n_eval - len(bad_eval)} evaluation images decode"
           + (f" ({len(bad_eval)} evaluation image(s) unreadable: they get the training prior)" if bad_eval else "")
           + "; every label parses and every box lies inside its image" + (f"; {alpha}" if transparent else ""))
    return {"train": len(train.paths), "eval": n_eval, "classes": list(vocabulary.classes),
            "unmatched": [str(f) for f, _ in train.unmatched], "unlabelled": [str(p) for p in train.unlabelled],
            "unreadable_eval": [str(evaluation.paths[i]) for i, _ in bad_eval], "transparent": transparent}


def hygiene(cfg: PictogramConfig, wait: bool = False) -> dict:
    """Report exact / near duplicates (incl. train-evaluation overlap) and photo-like images; trains nothing."""
    from compete.common.runs.run import Run
    from compete.common.runs.session import Session
    from compete.common.settings.adapters import default_run_name

    train, evaluation, _ = _read(cfg)
    findings = _scan(cfg, train, evaluation)
    would = findings.to_drop(cfg.drop_exact_duplicates, cfg.drop_near_duplicates, cfg.drop_photos)
    run = Run(cfg.runs_dir, COMPETITION, cfg.run or default_run_name(cfg))
    with Session(run, wait=wait):
        report = _report_hygiene(cfg, findings, train, evaluation, run, say=result)
        result(f"with the current settings, cv would leave out {len(would)} of {len(train.paths)} training images")
    return report


def _sample(out_dir, seed: int = 0):
    from compete.competitions.pictogram import sample_data

    return sample_data.generate(out_dir, seed=seed)


PIPELINE = register(Pipeline(
    name=COMPETITION, config=PictogramConfig,
    actions={"cv": cross_validate, "assemble": assemble, "submit": submit, "check": check, "hygiene": hygiene},
    sample=_sample,
    demo=DEMO, summary="2022 Data Creator Camp pictograms (20 classes, macro-F1, no pre-trained weights)",
    headline="macro_f1"))
