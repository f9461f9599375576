"""Small option objects for the training components; `compete.common.config` builds them from a pipeline's settings.

Components take these (or plain arguments), never a pipeline's config, so each can be
called and tested on its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

SCHEDULES = ("plateau", "cosine", "constant", "step", "onecycle")
OPTIMIZERS = ("adam", "sgd")
FINE_TUNE_MODES = ("head", "partial", "full")
# The registered names of `compete.common.data.augment` and its batch transforms, kept here so
# settings can list them without importing the augmentation code.
AUGMENTATIONS = ("hflip", "vflip", "dihedral", "brightness_contrast", "shift_scale_rotate", "pad_crop", "cutout",
                 "scale_shift", "color_jitter", "grayscale", "sketch")
BATCH_MIXES = ("mixup", "cutmix")
TTA_VIEWS = (1, 2, 4, 8)


@dataclass(frozen=True)
class FitOptions:
    """How one unit is fitted: the stages, the optimiser and its schedule, early stopping."""

    epochs: int = 20
    head_epochs: int = 2
    learning_rate: float = 1e-3
    fine_tune: str = "full"
    unfreeze_blocks: int = 1
    fine_tune_lr_factor: float = 0.1
    patience: int = 4
    lr_schedule: str = "plateau"
    optimizer: str = "adam"
    momentum: float = 0.9

    def __post_init__(self):
        for name, value, allowed in (("lr_schedule", self.lr_schedule, SCHEDULES),
                                     ("optimizer", self.optimizer, OPTIMIZERS),
                                     ("fine_tune", self.fine_tune, FINE_TUNE_MODES)):
            if value not in allowed:
                raise ValueError(f"Unknown {name} {value!r}; available: {', '.join(allowed)}")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class LoaderOptions:
    """How images are fed: size, batch, per-image augmentation, caching and decoding threads."""

    image_size: int = 128
    batch_size: int = 32
    augment: tuple[str, ...] = ()
    cache: bool = True
    workers: int | None = None


@dataclass(frozen=True)
class PredictOptions:
    """How predictions are made: dihedral TTA views (and the loader's image size and batch)."""

    tta: int = 1


@dataclass(frozen=True)
class ComputeOptions:
    """How a unit is computed: dtype policy (precision), XLA compilation, local devices to split batches across.

    Plain setting values ("auto", "on", "all", "2"...); `precision` and `devices` resolve them on the machine.
    """

    precision: str = "auto"
    jit_compile: str = "auto"
    devices: str = "1"
