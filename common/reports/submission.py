"""The submission preview: where the run's submission CSV is and its first rows.

Its place is read from `submission.json` (written by `artefacts.record_submission` when a submission is written);
runs without it get the place their settings imply: `<submissions_dir>/<competition>/<run>.csv`, with relative
folders taken from where `runs_dir` sits.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from compete.common.reports import html
from compete.common.reports.html import Section
from compete.common.runs.artefacts import SUBMISSION

ROWS = 10


def implied(folder) -> Path | None:
    """`<submissions_dir>/<competition>/<run>.csv`; a relative submissions_dir sits beside the relative runs_dir."""
    runs_dir, submissions_dir = folder.config.get("runs_dir"), folder.config.get("submissions_dir")
    if not runs_dir or not submissions_dir:
        return None
    submissions = Path(submissions_dir)
    if not submissions.is_absolute():
        runs, parts = folder.path.resolve().parents[1], Path(runs_dir).parts
        if Path(runs_dir).is_absolute() or runs.parts[-len(parts):] != parts:
            return None
        submissions = runs.parents[len(parts) - 1] / submissions
    return submissions / folder.competition / f"{folder.name}.csv"


def locate(folder) -> tuple[Path | None, str]:
    """The submission file and how it was found."""
    recorded = folder.json(SUBMISSION)
    if isinstance(recorded, dict) and recorded.get("path"):
        return Path(recorded["path"]), f"recorded in {SUBMISSION}"
    return implied(folder), "implied by config.json's submissions_dir (not recorded in the run folder)"


def section(folder) -> Section:
    import pandas as pd

    path, how = locate(folder)
    if path is None or not path.is_file():
        where = "" if path is None else f" (looked for {path}, {how})"
        return Section("Submission", [html.note(f"no submission written for this run{where}")])
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as error:
        return Section("Submission", [html.note(f"{path}: unreadable ({error})")])
    written = datetime.datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="seconds")
    return Section("Submission", [
        html.note(f"{path} ({how}): {len(frame):,} rows, written {written}; the first {min(ROWS, len(frame))}:"),
        html.table(frame.head(ROWS).to_dict("records"), list(frame.columns))])
