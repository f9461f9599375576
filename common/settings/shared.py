"""Settings every pipeline shares (data, cross-validation, output) and those every image pipeline shares.

A pipeline subclasses one of these and restates only the defaults it changes, e.g.
`epochs: Epochs = 30`; the description, group and bounds come with the type.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BeforeValidator, model_validator

from compete.common.settings.fields import (COMPUTE, CV, DATA, MODEL, OUTPUT, PREDICTION, TRAINING, Bool, Float, Int,
                                            OptionalText, comma_list, setting, to_int)
from compete.common.io.policy import BACKGROUNDS
from compete.common.settings.model import Invalid, Settings
from compete.common.training.options import (AUGMENTATIONS, BATCH_MIXES, FINE_TUNE_MODES, OPTIMIZERS, SCHEDULES,
                                             TTA_VIEWS)

Data = Annotated[str, setting("the competition's download folder", DATA, allowed="a folder", min_length=1)]
LimitTrain = Annotated[Int, setting("use only the first N training rows (0: all), for quick trials", DATA, ge=0)]
def _plain_folder_name(value: str) -> str:
    from compete.common.runs.run import check_name

    if value:
        try:
            check_name(value)
        except ValueError:
            raise ValueError("not one plain folder name") from None
    return value


Run = Annotated[str, AfterValidator(_plain_folder_name), setting(
    "run name, a folder under runs-dir (default: made from the settings and the data)", OUTPUT,
    allowed="one folder name: letters, digits and . _ + = - , not starting with . or -, at most 128 characters")]
RunsDir = Annotated[str, setting("where runs are kept", OUTPUT, allowed="a folder")]
SubmissionsDir = Annotated[str, setting("where submission CSVs are written", OUTPUT, allowed="a folder")]
NSplits = Annotated[Int, setting("number of cross-validation folds", CV, ge=2, le=100)]
KaggleSubmit = Annotated[Bool, setting(
    "submit: upload the checked CSV to the competition through the Kaggle API (never for the built-in sample), "
    "with the CV score in its message", OUTPUT)]
Executor = Annotated[Literal["local", "ray"], setting(
    "where a run's pending units train: local (one after another in this process) or ray (in parallel, as Ray "
    "tasks on the cluster at ray-address)", COMPUTE)]
RayAddress = Annotated[OptionalText, setting(
    "the Ray cluster of --executor ray: auto (the cluster this machine belongs to), ray://host:port, or none (start "
    "a local Ray on this machine)", COMPUTE, allowed="auto, ray://host:port, host:port or none")]
RayCpusPerUnit = Annotated[Int, setting("CPU cores each Ray task (one unit) asks for on a node without GPUs",
                                        COMPUTE, ge=1, le=1024)]
Seeds = Annotated[comma_list(Annotated[Int, setting("seed", CV, ge=0)]),
                  setting("seeds to train (each is one more model per fold); comma-separated", CV, min_length=1)]

Backbone = Annotated[str, setting("feature extractor", MODEL,
                                  allowed="a name from `compete backbones`, or package.module:function")]
Weights = Annotated[OptionalText, setting(
    "starting weights", MODEL, allowed="imagenet, none, or a local .weights.h5 file")]
ImageSize = Annotated[Int, setting("side of the square input images, in pixels", MODEL, ge=8, le=4096)]
Dropout = Annotated[Float, setting("dropout before the classification head", MODEL, ge=0, lt=1)]
BatchSize = Annotated[Int, setting("images per training batch", TRAINING, ge=1, le=65536)]
Epochs = Annotated[Int, setting("training epochs per unit (after the head-only epochs)", TRAINING, ge=1)]
HeadEpochs = Annotated[Int, setting("epochs training the head only, backbone frozen (pretrained weights only)",
                                    TRAINING, ge=0)]
FineTune = Annotated[Literal[FINE_TUNE_MODES], setting(
    "which backbone layers train after the head epochs: head (none), partial (the last blocks), full", TRAINING)]
UnfreezeBlocks = Annotated[Int, setting("blocks unfrozen by fine_tune partial", TRAINING, ge=1)]
FineTuneLrFactor = Annotated[Float, setting("learning-rate multiplier once the backbone trains", TRAINING,
                                            gt=0, le=1)]
LearningRate = Annotated[Float, setting("initial (peak, for onecycle) learning rate", TRAINING, gt=0, le=10)]
LrSchedule = Annotated[Literal[SCHEDULES], setting("learning-rate schedule", TRAINING)]
Optimizer = Annotated[Literal[OPTIMIZERS], setting("optimiser", TRAINING)]
Momentum = Annotated[Float, setting("SGD momentum", TRAINING, ge=0, lt=1)]
Patience = Annotated[Int, setting("early stopping: epochs without a better validation loss", TRAINING, ge=0)]
Augment = Annotated[comma_list(Literal[AUGMENTATIONS]),
                    setting("per-image training augmentations, comma-separated", TRAINING)]
CacheImages = Annotated[Bool, setting("keep decoded images in memory between epochs", TRAINING)]
Workers = Annotated[Int, setting("image decoding threads (0: one per CPU core)", TRAINING, ge=0, le=256)]
MaxImageMegapixels = Annotated[Float, setting(
    "refuse images declaring more pixels than this, before decoding them (bounds memory on hostile files)", DATA,
    gt=0, le=10_000)]
TransparentBackground = Annotated[Literal[tuple(BACKGROUNDS)], setting(
    "colour transparent pixels are laid on when an image has an alpha channel", DATA)]
Precision = Annotated[Literal["auto", "float32", "mixed_float16", "mixed_bfloat16"], setting(
    "numeric precision of training and prediction (a Keras dtype policy; outputs stay float32): auto is "
    "mixed_bfloat16 on GPUs that have it, mixed_float16 on older GPUs, float32 on CPU", COMPUTE)]
JitCompile = Annotated[Literal["auto", "on", "off"], setting(
    "XLA compilation of the training and prediction steps: auto (Keras' choice per backend and model), on, off",
    COMPUTE)]
def _device_count(value) -> str:
    text = str(value).strip().lower()
    if isinstance(value, bool) or not (text == "all" or (text.isdigit() and int(text) >= 1)):
        raise ValueError("not a device count")
    return text if text == "all" else str(int(text))


Devices = Annotated[str, BeforeValidator(_device_count), setting(
    "local accelerators one unit trains on, data-parallel (JAX backend only above 1): all, or a count",
    COMPUTE, allowed="all, or an integer ≥ 1")]
TTA = Annotated[Literal[TTA_VIEWS], BeforeValidator(to_int),
                setting("test-time augmentation: dihedral views averaged per image", PREDICTION)]


MIXES = ("none", *BATCH_MIXES)


def _mix_name(value):
    """"" (older config files), null, false (YAML's `off`) and "off" mean no mixing."""
    if value is None or value is False or (isinstance(value, str) and value.strip().lower() in ("", "off")):
        return "none"
    return value


Mix = Annotated[Literal[MIXES], BeforeValidator(_mix_name), setting(
    "mix pairs of training images: mixup blends them, cutmix pastes a patch of one into the other (none: off)",
    TRAINING)]
MixAlpha = Annotated[Float, setting("mixing strength: the alpha of Beta(alpha, alpha) (used only when mix is on)",
                                    TRAINING, ge=0, le=100)]
LabelSmoothing = Annotated[Float, setting("label smoothing of the cross-entropy loss (0: none)", TRAINING, ge=0, lt=1)]


class RunSettings(Settings):
    """Where the data is, how it is split, and where results go."""

    data: Data
    limit_train: LimitTrain = 0
    n_splits: NSplits = 5
    seeds: Seeds = [0]
    run: Run = ""
    runs_dir: RunsDir = "runs"
    submissions_dir: SubmissionsDir = "submissions"
    kaggle_submit: KaggleSubmit = False
    executor: Executor = "local"
    ray_address: RayAddress = None
    ray_cpus_per_unit: RayCpusPerUnit = 1

    NOT_UNIT_SETTINGS: ClassVar[frozenset] = frozenset({
        "data", "run", "runs_dir", "submissions_dir", "seeds", "n_splits", "limit_train", "kaggle_submit", "executor", "ray_address",
        "ray_cpus_per_unit"})

    @model_validator(mode="after")
    def _executor_installed(self):
        import importlib.util

        if self.executor == "ray" and importlib.util.find_spec("ray") is None:
            raise Invalid("executor", self.executor, "Ray is not installed (pip install 'compete[ray]')",
                          "local, or ray once installed")
        if self.ray_address and self.executor != "ray":
            raise Invalid("ray_address", self.ray_address, "only --executor ray uses a Ray cluster",
                          "none, or set --executor ray")
        return self

    @model_validator(mode="after")
    def _distinct_seeds(self):
        if len(set(self.seeds)) != len(self.seeds):
            raise Invalid("seeds", self.seeds, "a seed is repeated", "distinct integers ≥ 0")
        return self

    def run_prefix(self) -> str:
        return self.__class__.__name__.removesuffix("Config").lower()


class ImageCVConfig(RunSettings):
    """Settings every image pipeline shares; a pipeline subclasses it and restates the defaults it changes."""

    backbone: Backbone = "resnet50"
    weights: Weights = "imagenet"
    image_size: ImageSize = 128
    dropout: Dropout = 0.2
    batch_size: BatchSize = 32
    epochs: Epochs = 20
    head_epochs: HeadEpochs = 2
    fine_tune: FineTune = "full"
    unfreeze_blocks: UnfreezeBlocks = 1
    fine_tune_lr_factor: FineTuneLrFactor = 0.1
    learning_rate: LearningRate = 1e-3
    lr_schedule: LrSchedule = "plateau"
    optimizer: Optimizer = "adam"
    momentum: Momentum = 0.9
    patience: Patience = 4
    augment: Augment = ["hflip"]
    cache_images: CacheImages = True
    workers: Workers = 0
    tta: TTA = 1
    max_image_megapixels: MaxImageMegapixels = 100.0
    transparent_background: TransparentBackground = "white"
    precision: Precision = "auto"
    jit_compile: JitCompile = "auto"
    devices: Devices = "1"

    # Precision changes the numbers a model learns, so it stays in a unit's key (as asked for: `auto` is one
    # setting whichever machine resolves it); compilation and the device count only change how fast.
    NOT_UNIT_SETTINGS: ClassVar[frozenset] = RunSettings.NOT_UNIT_SETTINGS | {"workers", "cache_images", "tta",
                                                                            "max_image_megapixels", "jit_compile",
                                                                            "devices"}
    # Modules registering backbones of the pipeline's own (imported before a backbone is looked up).
    BACKBONE_MODULES: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _devices(self):
        """`all` or a count; more than one device needs the JAX backend and a batch that splits evenly."""
        from compete.common.training.backend import configured_backend

        if self.devices != "1" and configured_backend() != "jax":
            raise Invalid("devices", self.devices, f"data-parallel training needs the JAX backend, and Keras is set to "
                          f"{configured_backend()} (set KERAS_BACKEND=jax)", "1 on this backend")
        if self.devices.isdigit() and self.batch_size % int(self.devices):
            raise Invalid("batch_size", self.batch_size, f"does not split evenly over {self.devices} devices",
                          f"a multiple of {self.devices}")
        return self

    def check_weights_rule(self) -> None:
        """A competition's rule on starting weights, checked before the backbone's own checks; none by default."""

    @model_validator(mode="after")
    def _fits_the_backbone(self):
        """The backbone exists, takes this image size, and has the weights asked for (a file must exist)."""
        import importlib

        from compete.common.models.backbones import get_spec

        for module in self.BACKBONE_MODULES:
            importlib.import_module(module)
        self.check_weights_rule()
        try:
            spec = get_spec(self.backbone)
        except ValueError as error:
            raise Invalid("backbone", self.backbone, "unknown backbone",
                          str(error).split("; available: ")[-1]) from None
        if self.image_size < spec.min_size:
            raise Invalid("image_size", self.image_size, f"too small for backbone {spec.name}",
                          f"at least {spec.min_size}")
        if self.weights == "imagenet" and not spec.pretrained:
            raise Invalid("weights", self.weights, f"backbone {spec.name} has no ImageNet weights",
                          "none, or a local weights file")
        if self.weights not in (None, "imagenet") and not Path(self.weights).is_file():
            raise Invalid("weights", self.weights, "no such file", "imagenet, none, or a local weights file")
        if self.fine_tune == "partial" and self.unfreeze_blocks > len(spec.blocks):
            raise Invalid("unfreeze_blocks" if spec.blocks else "fine_tune",
                          self.unfreeze_blocks if spec.blocks else self.fine_tune,
                          f"backbone {spec.name} declares {len(spec.blocks)} block(s)",
                          f"at most {len(spec.blocks)}" if spec.blocks else "head or full")
        return self

    def unit_settings(self) -> dict:
        """As the base class, plus the content of the files the starting model is read from: a weights file, a
        local keras-hub preset. A unit trained from other bytes at the same path is another unit."""
        from compete.common.models.backbones import hub

        settings = super().unit_settings()
        read = [Path(self.weights)] if self.weights not in (None, "imagenet") else []
        if str(self.backbone).startswith(f"{hub.PREFIX}:"):
            read += hub.files(self.backbone)
        if read:
            settings["starting_files"] = _files_digest(tuple((str(p), *_stamp(p)) for p in read))
        return settings

    def run_prefix(self) -> str:
        return f"{Path(str(self.backbone).split(':')[-1]).name}-{self.image_size}px"


class SingleLabelImageConfig(ImageCVConfig):
    """Image pipelines with one class per image (softmax): they may also mix pairs of images and smooth labels."""

    mix: Mix = "none"
    mix_alpha: MixAlpha = 1.0
    label_smoothing: LabelSmoothing = 0.0

    @model_validator(mode="after")
    def _mixing(self):
        if self.mix != "none" and not self.mix_alpha > 0:
            raise Invalid("mix_alpha", self.mix_alpha, f"mix {self.mix} needs a positive alpha",
                          "a number > 0 and ≤ 100")
        return self

    def unit_settings(self) -> dict:
        """As the base class, less mix_alpha when nothing is mixed (it changes no model then)."""
        settings = super().unit_settings()
        if self.mix == "none":
            settings.pop("mix_alpha", None)
        return settings

    def batch_mixer(self):
        """The MixUp / CutMix transform of training batches, or None."""
        from compete.common.data.augment import build_batch_transform

        return build_batch_transform(None if self.mix == "none" else self.mix, self.mix_alpha)


def _stamp(path: Path) -> tuple:
    try:
        stat = path.stat()
    except OSError:
        return (None, None)
    return (stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _files_digest(files: tuple) -> str:
    """One digest of the names and contents of `files` ((path, size, mtime) each): hashed once per command, however
    often the unit settings are asked for (the run name, then the learner), and again when a file changes."""
    from compete.common.runs import fingerprint

    paths = [path for path, *_ in files]
    return fingerprint.digest([Path(p).name for p in paths], fingerprint.of_files(paths))
