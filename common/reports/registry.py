"""Which competition a run folder belongs to, and the report sections of each: one module of `kinds/` per competition
registers its sections here, so a new competition adds its figures in one file."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable

_KINDS: dict[str, "Kind"] = {}


@dataclass(frozen=True)
class Kind:
    """A competition's part of the report.

    Args:
        name: the competition's name, as the runs folder above each of its runs is named.
        sections: `sections(folder) -> [Section]`, the competition's figures and tables.
        detect: `detect(folder) -> bool`, recognises its run folders from their files when they sit elsewhere.
    """

    name: str
    sections: Callable
    detect: Callable


def register(kind: Kind) -> Kind:
    _KINDS[kind.name] = kind
    return kind


def kinds() -> dict[str, Kind]:
    """Every registered kind, importing each module of `compete.common.reports.kinds` once."""
    import compete.common.reports.kinds as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    return dict(sorted(_KINDS.items()))


def kind_of(folder) -> Kind | None:
    """The kind named like the folder's parent (runs/<competition>/<run>), else the first that recognises its files."""
    known = kinds()
    if folder.competition in known:
        return known[folder.competition]
    return next((kind for kind in known.values() if kind.detect(folder)), None)
