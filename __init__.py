"""compete: a competition's raw download to a checked submission, through honest cross-validation.

The public face of the package. Nothing heavy is imported until it is used:

    import compete

    compete.competitions()                        # ['cifar10', 'imdb', 'pictogram', 'planet']
    cfg = compete.settings("planet", data="DIR", image_size=96, seeds=[0, 1])
    result = compete.cv("planet", cfg)            # trains the pending units, assembles, scores
    path = compete.submit("planet", cfg)          # the checked CSV

The parts live in `compete.common` (competition-agnostic), `compete.competitions`
(the facts of each competition) and `compete.pipelines` (one recipe each).
"""

from __future__ import annotations

from compete.common import quiet as _quiet

_quiet.install()  # TensorFlow's start-up notices are dropped wherever compete is used from

__version__ = "0.1.0"
__all__ = ["competitions", "pipeline", "settings", "cv", "assemble", "submit", "check"]


def competitions() -> list[str]:
    """Names of the registered competitions."""
    from compete.pipelines.registry import discover

    return list(discover())


def pipeline(name: str):
    """The registered pipeline of one competition (its config class, actions and sample generator)."""
    from compete.pipelines.registry import get

    return get(name)


def settings(name: str, config_file=None, **overrides):
    """The competition's settings: its defaults, then `config_file` (YAML/JSON), then `overrides`, validated."""
    from compete.common.settings import resolve

    return resolve(pipeline(name).config, config_file, overrides)


def _action(action: str):
    def run(name: str, cfg=None, **overrides):
        if cfg is None:
            cfg = settings(name, **overrides)
        elif overrides:
            raise TypeError("pass either a settings object or keyword settings, not both")
        return pipeline(name).call(action, cfg)

    run.__name__ = action
    run.__doc__ = f"Run `compete NAME {action}` from Python; returns what the action returns."
    return run


cv = _action("cv")
assemble = _action("assemble")
submit = _action("submit")
check = _action("check")
