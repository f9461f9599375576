"""A finished run folder as the report reads it: its JSON files, OOF arrays and unit folders, each checked on read
so a missing or broken folder fails in one line that names the file at fault."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compete.common.errors import DataError

REQUIRED = ("config.json", "scores.json")


@dataclass
class Oof:
    """Out-of-fold predictions with what scoring them needs (`targets` and `names` are None in older runs)."""

    ids: np.ndarray
    pred: np.ndarray
    targets: np.ndarray | None
    names: list[str] | None

    @property
    def scored(self) -> np.ndarray:
        """Rows every seed validated on (a holdout leaves the others NaN)."""
        return ~np.isnan(self.pred.reshape(len(self.pred), -1)).any(axis=1)


class RunFolder:
    """`runs/<competition>/<run>/` after cv or assemble: config.json and scores.json at least."""

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.is_dir():
            raise DataError(self.path, "no such run folder")
        missing = [name for name in REQUIRED if not (self.path / name).is_file()]
        if missing:
            raise DataError(self.path, f"not a finished run folder: no {' or '.join(missing)} (run cv or assemble "
                                       "first)")
        self.config = self.json("config.json")
        self.scores = self.json("scores.json")
        if not isinstance(self.config, dict) or not isinstance(self.scores, dict):
            raise DataError(self.path, "config.json and scores.json must each hold a JSON object")

    @property
    def competition(self) -> str:
        return self.path.parent.name

    @property
    def name(self) -> str:
        return self.path.name

    def has(self, name: str) -> bool:
        return (self.path / name).is_file()

    def json(self, name: str):
        """A JSON file of the run, or None when absent."""
        path = self.path / name
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise DataError(path, f"unreadable JSON ({error})") from None

    def arrays(self, name: str) -> dict | None:
        """The arrays of an .npz file of the run, or None when absent."""
        path = self.path / name
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as saved:
                return {key: saved[key] for key in saved.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise DataError(path, f"unreadable .npz ({error})") from None

    def oof(self, name: str = "oof.npz") -> Oof | None:
        """The seed-averaged OOF predictions of `name`, or None when the run has none."""
        saved = self.arrays(name)
        if saved is None:
            return None
        missing = [key for key in ("ids", "oof") if key not in saved]
        if missing:
            raise DataError(self.path / name, f"no {' or '.join(missing)} array")
        names = saved.get("names")
        return Oof(saved["ids"], saved["oof"].astype(np.float64), saved.get("targets"),
                   None if names is None else [str(n) for n in names])

    def unit_folders(self) -> list[Path]:
        """Every unit folder (`seed<S>/fold<F>`) under the run, models' folders included, in name order."""
        found = {p.parent for p in self.path.glob("**/seed*/fold*/unit.json")}
        return sorted(found, key=lambda p: [_natural(part) for part in p.relative_to(self.path).parts])


def _natural(part: str):
    """`fold10` after `fold9`: the number of a seed or fold folder compared as a number."""
    match = re.fullmatch(r"(seed|fold)(\d+)", part)
    return (match.group(1), int(match.group(2))) if match else (part, -1)
