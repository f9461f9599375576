"""A run directory: the settings used, folds, per-fold models and predictions, scores.

Each (seed, fold) unit writes `done.json` last, so a resumed run skips exactly
the units that finished.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from common import atomic
from common.config import to_dict


def default_name(cfg) -> str:
    """Readable and stable: the same settings name the same run, so reruns resume.

    The prefix is `cfg.run_prefix()` when the config defines it, else backbone and image size.
    """
    digest = hashlib.sha1(json.dumps(identity(cfg.training_key()), sort_keys=True, default=str).encode()).hexdigest()[:8]
    if hasattr(cfg, "run_prefix"):
        return f"{cfg.run_prefix()}-{digest}"
    return f"{Path(str(cfg.backbone).split(':')[-1]).name}-{cfg.image_size}px-{digest}"


def identity(key: dict) -> dict:
    """Training settings as they identify a run: the data folder by its absolute path, however it was typed."""
    if key.get("data"):
        key = {**key, "data": str(Path(key["data"]).resolve())}
    return key


class RunDir:
    def __init__(self, root, competition: str, cfg):
        self.name = cfg.run or default_name(cfg)
        self.path = Path(root) / competition / self.name
        self.path.mkdir(parents=True, exist_ok=True)

    def record_config(self, cfg) -> None:
        """Save the settings actually used (config.json); refuse to mix in a run made with others."""
        path = self.path / "config.json"
        current = to_dict(cfg)
        if path.exists():
            previous = atomic.read_json(path)
            before = identity({k: previous.get(k) for k in cfg.training_key()})
            changed = {k for k, v in identity(cfg.training_key()).items() if before.get(k) != v}
            if changed and any(self.path.glob("seed*/fold*/done.json")):
                from common.errors import DataError
                raise DataError(path, f"run {self.name!r} was trained with other settings ({sorted(changed)}); "
                                      "use another --run or delete the run directory")
        atomic.write_json(path, current)

    def unit(self, seed: int, fold: int) -> Path:
        return self.path / f"seed{seed}" / f"fold{fold}"

    @staticmethod
    def is_done(unit: Path) -> bool:
        return (unit / "done.json").exists()
