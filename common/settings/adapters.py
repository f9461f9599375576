"""From a pipeline's settings to the small option objects the components take (timm-style adapters).

Components never see a pipeline's settings, so each can be called and tested on its own.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def default_run_name(cfg) -> str:
    """Readable and stable: prefix, then a hash of the unit settings, the split and the data folder.

    Seeds are left out, so `--seeds 0,1` after `--seeds 0` adds units to the same run.
    """
    split = {k: getattr(cfg, k) for k in ("n_splits", "holdout", "limit_train") if hasattr(cfg, k)}
    key = {**cfg.unit_settings(), **split, "data": str(Path(cfg.data).resolve())}
    digest = hashlib.sha1(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{cfg.run_prefix()}-{digest}"


def fit_options(cfg):
    """The fitting options of an image pipeline's settings."""
    from compete.common.training.options import FitOptions

    return FitOptions(**{name: getattr(cfg, name) for name in FitOptions.__dataclass_fields__})


def loader_options(cfg):
    """How an image pipeline's settings feed images."""
    from compete.common.training.options import LoaderOptions

    return LoaderOptions(image_size=cfg.image_size, batch_size=cfg.batch_size, augment=tuple(cfg.augment),
                         cache=cfg.cache_images, workers=cfg.workers or None)


def predict_options(cfg):
    from compete.common.training.options import PredictOptions

    return PredictOptions(tta=cfg.tta)


def compute_options(cfg):
    """Precision, XLA compilation and devices of an image pipeline's settings."""
    from compete.common.training.options import ComputeOptions

    return ComputeOptions(precision=cfg.precision, jit_compile=cfg.jit_compile, devices=cfg.devices)


def image_learner(cfg, build_model, **kwargs):
    """The image fold model of an image pipeline's settings; `kwargs` are ImageLearner's (loss, fallback, ...)."""
    from compete.common.models.backbones import get_spec
    from compete.common.training.image_learner import ImageLearner

    return ImageLearner(build_model, settings=cfg.unit_settings(), fit=fit_options(cfg), loader=loader_options(cfg),
                        predict=predict_options(cfg), compute=compute_options(cfg),
                        blocks=get_spec(cfg.backbone).blocks, pretrained=cfg.weights is not None, **kwargs)


def resolve_weights(cfg) -> None:
    """Load the starting weights once, before any data is read, so a missing download fails in one line."""
    from compete.common.models.backbones import resolve_weights as resolve

    resolve(cfg.backbone, cfg.image_size, cfg.weights)


def digest_cache(cfg) -> Path:
    """Where file content hashes are remembered between commands."""
    return Path(cfg.runs_dir) / ".cache" / "file-digests.json"
