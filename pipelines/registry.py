"""The pipelines the `compete` command knows: each module of this package registers one.

A pipeline module imports only light modules at its top (its settings, the registry, the
logger); everything heavy is imported inside its actions, so `compete --help` never loads
Keras or TensorFlow.
"""

from __future__ import annotations

import functools
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
        config: the settings model (a `compete.common.settings.Settings` subclass).
        actions: action name -> function(config, ...); at least "cv", "assemble", "submit", "check".
            "cv" takes `units=` (train only those) and `wait=`; "assemble" and "submit" take `wait=`.
        sample: `sample(out_dir, seed) -> path`, the built-in sample-data generator.
        demo: settings that make the demo small enough for a laptop CPU.
        summary: one line for `compete --help`.
        headline: the key in scores.json of the CV score `compete runs` ranks runs by (dotted for a
            nested value, e.g. "blend.auc"); empty: runs are listed without a score.
        lower_is_better: the headline score is a loss or an error rather than a score.
    """

    name: str
    config: type
    actions: dict[str, Callable]
    sample: Callable
    demo: dict = field(default_factory=dict)
    summary: str = ""
    headline: str = ""
    lower_is_better: bool = False

    def call(self, action: str, cfg, **kwargs):
        """Run one action on validated settings, under the input policy (size limits, background) they declare.

        The action runs as the current command (see `compete.common.runs.executors`), so its session
        can hand the run's units to the executor the settings name; every run it assembled then gets
        its `report.html`. An upload (`kaggle_submit`) that cannot happen is refused before any training.
        """
        from compete.common.io import policy
        from compete.common.runs import executors

        policy.apply(cfg)
        if action == "submit":
            from compete.common.submission import check_upload

            check_upload(self.name, cfg.data, cfg.kaggle_submit)  # before any training
        running = executors.Command(self.name, cfg, functools.partial(train_unit, self.name))
        with executors.command(running):
            out = self.actions[action](cfg, **kwargs)
        from compete.common.reports import refresh

        for run_dir in running.assembled:
            if run_dir not in running.reported:
                refresh(run_dir)
        return out

    def make_sample(self, out_dir, seed: int = 0):
        """Write the built-in sample, marked as such (no upload command is ever suggested for it)."""
        from compete.common.submission import mark_sample

        path = self.sample(out_dir, seed=seed)
        mark_sample(path)
        return path


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


def train_unit(name: str, settings: dict, unit: str) -> None:
    """`compete NAME cv --unit UNIT` with `settings` (a dict of them): what a Ray task of `--executor ray` runs."""
    from compete.common.runs.engine import Unit

    pipeline = get(name)
    pipeline.call("cv", pipeline.config.build(settings), units=[Unit.parse(unit)])


def get(name: str) -> Pipeline:
    """The pipeline registered as `name`."""
    pipelines = discover()
    if name not in pipelines:
        raise ValueError(f"Unknown competition {name!r}; available: {', '.join(pipelines)}")
    return pipelines[name]
