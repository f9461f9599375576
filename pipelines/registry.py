"""The pipelines the `compete` command knows: each module of this package registers one."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable

_PIPELINES: dict[str, "Pipeline"] = {}


@dataclass(frozen=True)
class Pipeline:
    """A competition's entry points for the CLI.

    Args:
        name: the CLI word (`compete NAME ...`).
        config: the settings dataclass.
        actions: action name -> function(config, ...); at least "cv", "assemble", "submit", "check".
            "cv" takes `units=` (train only those) and `wait=`; "assemble" and "submit" take `wait=`.
        sample: `sample(out_dir, seed) -> path`, the built-in sample-data generator.
        demo: settings that make the demo small enough for a laptop CPU.
        summary: one line for `compete --help`.
    """

    name: str
    config: type
    actions: dict[str, Callable]
    sample: Callable
    demo: dict = field(default_factory=dict)
    summary: str = ""


def register(pipeline: Pipeline) -> Pipeline:
    _PIPELINES[pipeline.name] = pipeline
    return pipeline


def discover() -> dict[str, Pipeline]:
    """Import every module of this package once, so each registers its pipeline."""
    import compete.pipelines as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name not in ("registry", "cli") and not module.name.startswith("_"):
            importlib.import_module(f"compete.pipelines.{module.name}")
    return dict(sorted(_PIPELINES.items()))


def get(name: str) -> Pipeline:
    """The pipeline registered as `name`."""
    pipelines = discover()
    if name not in pipelines:
        raise ValueError(f"Unknown competition {name!r}; available: {', '.join(pipelines)}")
    return pipelines[name]
