"""The run's numbers as tables: headline scores, each unit's scores (fold and seed), and the settings."""

from __future__ import annotations

import json

from compete.common.reports import html
from compete.common.reports.html import Section

UNIT_KEYS = ("seed", "fold")


def _is_units(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and "seed" in v for v in value)


def flat(scores: dict, prefix: str = "") -> list[dict]:
    """Every score as a dotted name and a value; lists of records (units, per-class rows) are tabled elsewhere."""
    rows = []
    for key, value in scores.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += flat(value, f"{name}.")
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
            continue
        elif not (isinstance(value, list) and not value):
            rows.append({"score": name, "value": value})
    return rows


def unit_tables(scores: dict, prefix: str = "") -> list[tuple[str, list[dict]]]:
    """(where in scores.json, rows) of every list of unit summaries: `units`, and each model's in an ensemble."""
    found = []
    for key, value in scores.items():
        if _is_units(value):
            found.append((f"{prefix}{key}", value))
        elif isinstance(value, dict):
            found += unit_tables(value, f"{prefix}{key}.")
    return found


def summary(folder) -> Section:
    return Section("Scores", [html.table(flat(folder.scores))])


def units(folder) -> Section:
    """One table per list of units: seed and fold first, then every number a unit recorded."""
    parts = []
    for where, rows in unit_tables(folder.scores):
        columns = [*UNIT_KEYS, *dict.fromkeys(k for r in rows for k, v in r.items()
                                              if k not in UNIT_KEYS and not isinstance(v, (dict, list)))]
        ordered = sorted(rows, key=lambda r: (r.get("seed", 0), r.get("fold", 0)))
        parts += [html.heading(where), html.table(ordered, columns)]
    return Section("Folds and seeds", parts or [html.note("scores.json lists no units")])


def settings(folder) -> Section:
    rows = [{"setting": key, "value": value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}
            for key, value in folder.config.items()]
    return Section("Settings", [html.note("config.json: the settings behind the assembled outputs"), html.table(rows)])
