"""One unit's trained Keras model, out of its run, in the three forms other tools read: `compete ... export`.

    OUT/model.json          the architecture (`model.to_json()`; `keras.models.model_from_json`)
    OUT/model.weights.h5    the weights (`model.save_weights`; `model.load_weights`)
    OUT/model.keras         the unit's own archive, copied (`keras.saving.load_model`)
    OUT/export.json         where it came from: run, unit, input and output shapes, the unit's settings

The models take raw 0-255 RGB images (the scaling is a layer inside them). Their custom
layers are registered with Keras by importing `compete.common.models.classifier` (and the
backbone's module), which reading any of the forms back needs. OUT is filled in a
temporary folder beside it and renamed, so it is either complete or absent.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import tempfile
from pathlib import Path

from compete.common.io import atomic
from compete.common.runs.engine import UNIT_FILE, Unit
from compete.common.runs.leaderboard import fold_ids
from compete.common.runs.lock import FileLock

MODEL_FILE = "model.keras"
FILES = ("model.json", "model.weights.h5", "model.keras", "export.json")


def units_of(run_path: Path) -> list[Unit]:
    """The units of a run, from its fold columns (`seed<S>/folds.csv`)."""
    units = []
    for seed_dir in sorted(Path(run_path).glob("seed*")):
        if seed_dir.is_dir() and seed_dir.name[4:].isdigit():
            units.extend(Unit(int(seed_dir.name[4:]), fold) for fold in fold_ids(seed_dir) or [])
    return sorted(units)


def check(run_path, unit: str, out) -> tuple[Unit, Path]:
    """The unit and its folder, or ValueError in one line: no such run, no such unit, unit not done, OUT taken."""
    run_path, out = Path(run_path), Path(out)
    if not (run_path / "run.json").is_file():
        parent = run_path.parent
        runs = sorted(d.name for d in parent.iterdir() if (d / "run.json").is_file()) if parent.is_dir() else []
        listed = f"; its runs: {', '.join(runs[:20])}" if runs else "; it has no runs"
        raise ValueError(f"no run {run_path.name!r} in {run_path.parent}{listed}")
    parsed = Unit.parse(unit)
    known = units_of(run_path)
    if parsed not in known:
        names = ", ".join(u.name for u in known) or "none yet"
        raise ValueError(f"no unit {parsed.name} in run {run_path}; its units are {names}")
    folder = run_path / f"seed{parsed.seed}" / f"fold{parsed.fold}"
    if not (folder / UNIT_FILE).is_file():
        raise ValueError(f"unit {parsed.name} of run {run_path} is not done; train it with "
                         f"`cv --run {run_path.name} --unit {parsed.name}`")
    if not (folder / MODEL_FILE).is_file():
        raise ValueError(f"unit {parsed.name} of run {run_path} has no Keras model ({MODEL_FILE}) to export")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"--out {out}: exists and is not an empty folder; name a new or empty folder")
    return parsed, folder


def export_unit(run_path, unit: str, out, modules=()) -> Path:
    """Write the unit's model to `out` as model.json, model.weights.h5, model.keras and export.json.

    Args:
        run_path: the run folder (`runs/<competition>/<run>`).
        unit: "seedS/foldF".
        out: the folder to write; it must not exist or be empty.
        modules: more modules to import first, so the custom layers of the model's backbone are registered.
    Returns:
        `out`.
    """
    parsed, folder = check(run_path, unit, out)
    out = Path(out)
    with FileLock(folder / ".lock", f"unit {parsed.name} of {run_path}", "export").acquire(wait=False):
        check(run_path, unit, out)  # again, now that no command can retrain the unit under us
        import keras

        for module in modules:
            importlib.import_module(module)
        from compete.common.models import serializable
        saved = atomic.read_json(folder / UNIT_FILE)
        serializable.prepare(folder / MODEL_FILE, str(saved.get("settings", {}).get("backbone", "")))
        model = keras.saving.load_model(folder / MODEL_FILE, compile=False)
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
        try:
            atomic.write_text(staging / "model.json", model.to_json())
            with atomic.atomic_path(staging / "model.weights.h5", suffix=".weights.h5") as tmp:
                model.save_weights(tmp)
            with atomic.atomic_path(staging / MODEL_FILE) as tmp:
                shutil.copyfile(folder / MODEL_FILE, tmp)
            atomic.write_json(staging / "export.json", {
                "run": str(Path(run_path)), "unit": parsed.name, "keras": keras.__version__,
                "input_shape": _shape(model.input_shape), "output_shape": _shape(model.output_shape),
                "inputs": "raw 0-255 RGB images; the scaling is a layer inside the model",
                "custom_objects": f"import {serializable.__name__} (and the backbone's module; keras_hub for a "
                                  "hub: backbone) before reading",
                "settings": saved.get("settings", {}), "key": saved.get("key")})
            os.chmod(staging, 0o777 & ~_umask())
            if out.is_dir():
                out.rmdir()  # empty, checked above
            os.replace(staging, out)
        finally:
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(staging)
    return out


def _shape(shape):
    return [list(s) for s in shape] if shape and isinstance(shape[0], (tuple, list)) else list(shape)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
