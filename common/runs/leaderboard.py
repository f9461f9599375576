"""The runs of one competition (or all) side by side, best CV score first: `compete runs`.

One row per run folder (a folder with `run.json`) under `runs/<competition>/`: its headline
CV score from `scores.json`, backbone and image size, seeds x folds, units done out of all,
the units' training time, its submission if written, and the settings in which the listed
runs of a competition differ. Nothing here trains or imports Keras; a file that cannot be
read shows as "?" in the table (None in the JSON, with the file named under "unreadable").
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

from compete.common.runs.engine import UNIT_FILE

# Settings that say where things are, not how a run was made: never shown as a difference.
NOT_COMPARED = frozenset({"data", "run", "runs_dir", "submissions_dir"})
COLUMNS = ("competition", "run", "metric", "score", "backbone", "size", "seeds x folds", "units", "time",
           "submission", "differs")
_SEED, _FOLD = re.compile(r"^seed(\d+)$"), re.compile(r"^fold(\d+)$")


@dataclass(frozen=True)
class Headline:
    """The score a competition's runs are ranked by: a key of scores.json (dotted when nested)."""

    key: str = ""
    lower_is_better: bool = False


_UNREADABLE = object()


def _read_json(path: Path):
    """The file's JSON object; None when absent, _UNREADABLE when it cannot be read or is not an object."""
    if not path.is_file():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return _UNREADABLE
    return value if isinstance(value, dict) else _UNREADABLE


def _lookup(scores: dict, key: str):
    value = scores
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def fold_ids(seed_dir: Path) -> list[int] | None:
    """The folds of one seed's fold column (`folds.csv`: id,fold; -1 for rows never validated on)."""
    try:
        with open(seed_dir / "folds.csv", newline="", encoding="utf-8") as handle:
            return sorted({int(row["fold"]) for row in csv.DictReader(handle)} - {-1})
    except (OSError, ValueError, KeyError, TypeError, csv.Error):
        return None


def _unit_roots(path: Path, config) -> list[Path]:
    """Where the run's units live: the run folder itself, or (runs of several models, e.g. IMDB) each
    `models/<model>-<hash>/` of the models in config.json, the newest folder per model."""
    models = path / "models"
    nested = sorted(d for d in models.iterdir() if d.is_dir()) if models.is_dir() else []
    if not nested:
        return [path]
    wanted = config.get("models") if isinstance(config, dict) else None
    newest: dict[str, Path] = {}
    for folder in nested:
        name = folder.name.rsplit("-", 1)[0]
        if isinstance(wanted, list) and name not in wanted:
            continue
        stamp = lambda d: (d / "settings.json").stat().st_mtime if (d / "settings.json").exists() else 0  # noqa
        if name not in newest or stamp(folder) > stamp(newest[name]):
            newest[name] = folder
    own = any(_FOLD.match(d.name) and d.is_dir() for s in path.glob("seed*") if s.is_dir() for d in s.iterdir())
    return ([path] if own else []) + list(newest.values())


def _progress(path: Path, config) -> dict:
    """Seeds, folds per seed, units done out of all, and the done units' training seconds."""
    seed_dirs = {int(m.group(1)): d for d in path.iterdir() if d.is_dir() and (m := _SEED.match(d.name))}
    seeds = sorted(seed_dirs)
    if isinstance(config, dict) and isinstance(config.get("seeds"), list):
        seeds = [s for s in config["seeds"] if isinstance(s, int)]
    folds = {}
    for seed in seeds:
        found = fold_ids(seed_dirs[seed]) if seed in seed_dirs else None
        if found is None and isinstance(config, dict) and isinstance(config.get("n_splits"), int):
            found = [0] if config.get("holdout") else list(range(config["n_splits"]))
        folds[seed] = found or []
    roots = _unit_roots(path, config)
    done, seconds, total = 0, 0.0, 0
    for root in roots:
        for seed, seed_folds in folds.items():
            for fold in seed_folds:
                total += 1
                unit = _read_json(root / f"seed{seed}" / f"fold{fold}" / UNIT_FILE)
                if isinstance(unit, dict):
                    done += 1
                    if isinstance(unit.get("seconds"), (int, float)):
                        seconds += float(unit["seconds"])
    counts = {len(f) for f in folds.values()}
    return {"seeds": len(seeds), "folds": counts.pop() if len(counts) == 1 else None,
            "units_done": done, "units_total": total, "seconds": round(seconds, 1)}


def _unit_settings(path: Path) -> dict | None:
    """A done unit's settings, for a run not assembled yet (no config.json)."""
    for unit_file in sorted(path.glob(f"**/seed*/fold*/{UNIT_FILE}")):
        unit = _read_json(unit_file)
        if isinstance(unit, dict) and isinstance(unit.get("settings"), dict):
            return unit["settings"]
    return None


def _row(competition: str, path: Path, headline: Headline) -> dict:
    config, scores = _read_json(path / "config.json"), _read_json(path / "scores.json")
    unreadable = [name for name, value in (("config.json", config), ("scores.json", scores)) if value is _UNREADABLE]
    settings = config if isinstance(config, dict) else (_unit_settings(path) if config is None else None)
    submission = None
    if isinstance(config, dict) and isinstance(config.get("submissions_dir"), str):
        candidate = Path(config["submissions_dir"]) / competition / f"{path.name}.csv"
        submission = str(candidate) if candidate.is_file() else None
    return {
        "competition": competition, "run": path.name, "path": str(path),
        "metric": headline.key or None,
        "score": _lookup(scores, headline.key) if isinstance(scores, dict) and headline.key else None,
        "lower_is_better": headline.lower_is_better,
        "backbone": settings.get("backbone") if settings else None,
        "image_size": settings.get("image_size") if settings else None,
        **_progress(path, config),
        "submission": submission,
        "settings": settings,
        "unreadable": unreadable,
    }


def _competitions(runs_dir: Path, competition: str | None) -> list[str]:
    if competition is not None:
        return [competition]
    if not runs_dir.is_dir():
        return []
    return sorted(d.name for d in runs_dir.iterdir() if d.is_dir() and not d.name.startswith("."))


def rows(runs_dir, competition: str | None = None, headlines: dict | None = None) -> list[dict]:
    """One dict per run under `runs_dir/<competition>/` (every competition when None).

    Args:
        runs_dir: the runs folder.
        competition: list only this competition's runs.
        headlines: competition -> Headline (or its scores.json key); a competition without one has no score.

    Rows are grouped by competition, best headline score first (runs without a score last, then by name).
    Each row's "differs" holds the settings (from config.json) in which it differs from the other listed
    runs of its competition.
    """
    runs_dir, headlines = Path(runs_dir), dict(headlines or {})
    listed = []
    for name in _competitions(runs_dir, competition):
        folder = runs_dir / name
        headline = headlines.get(name) or Headline()
        headline = Headline(headline) if isinstance(headline, str) else headline
        group = [_row(name, run, headline) for run in sorted(folder.iterdir()) if (run / "run.json").is_file()] \
            if folder.is_dir() else []
        _mark_differences(group)
        sign = 1 if headline.lower_is_better else -1
        group.sort(key=lambda r: (r["score"] is None, sign * (r["score"] or 0.0), r["run"]))
        listed.extend(group)
    for row in listed:
        del row["settings"]
    return listed


def _mark_differences(group: list[dict]) -> None:
    """Each row's "differs": its values of the settings whose values differ across the group's runs.

    A run not assembled yet (no config.json) takes part with its units' settings, which lack the
    settings of prediction and of the split: it is compared on the settings it has.
    """
    known = [r["settings"] for r in group if r["settings"] is not None]
    keys = sorted({k for s in known for k in s} - NOT_COMPARED)
    differing = [k for k in keys if len({json.dumps(s[k], sort_keys=True) for s in known if k in s}) > 1]
    for row in group:
        settings = row["settings"]
        row["differs"] = None if settings is None else {k: settings[k] for k in differing if k in settings}


def _value(value) -> str:
    if isinstance(value, list):
        return ",".join(_value(v) for v in value)
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m"


def _cells(row: dict) -> list[str]:
    config_bad, scores_bad = "config.json" in row["unreadable"], "scores.json" in row["unreadable"]
    missing = lambda bad: "?" if bad else "-"  # noqa: E731
    score = f"{row['score']:.4f}" if row["score"] is not None else missing(scores_bad and bool(row["metric"]))
    grid = (f"{row['seeds']}x{row['folds']}" if row["folds"] is not None else f"{row['seeds']}x?")
    differs = row["differs"]
    return [row["competition"], row["run"], row["metric"] or "-", score,
            _value(row["backbone"]) if row["backbone"] is not None else missing(config_bad),
            str(row["image_size"]) if row["image_size"] is not None else missing(config_bad),
            grid, f"{row['units_done']}/{row['units_total']}", _clock(row["seconds"]),
            row["submission"] or "-",
            (" ".join(f"{k}={_value(v)}" for k, v in differs.items()) or "-") if differs is not None
            else missing(config_bad)]


def table(listed: list[dict]) -> str:
    """The rows as an aligned plain-text table (a header line, then one line per run)."""
    lines = [list(COLUMNS), *(_cells(row) for row in listed)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines)


def as_json(listed: list[dict]) -> str:
    """The rows as a JSON list, the same data as the table's (unknown values are null)."""
    return json.dumps(listed, indent=2, ensure_ascii=False)
