"""`write_report(run_dir)`: a run folder's `report.html`, built from the folder alone and written atomically."""

from __future__ import annotations

import datetime
from pathlib import Path

from compete.common.io import atomic
from compete.common.reports import curves, html, registry, scores, submission
from compete.common.reports.folder import RunFolder

REPORT = "report.html"


def build(folder: RunFolder) -> str:
    """The report's HTML: scores, the competition's figures, units, learning curves, submission, settings."""
    kind = registry.kind_of(folder)
    sections = [scores.summary(folder), *(kind.sections(folder) if kind else []), scores.units(folder),
                curves.section(folder), submission.section(folder), scores.settings(folder)]
    written = datetime.datetime.now().isoformat(timespec="seconds")
    about = (f"competition {kind.name}" if kind else
             f"competition {folder.competition} (no figures registered for it in compete.common.reports.kinds)")
    return html.page(f"{folder.competition} / {folder.name}", f"{about}; run folder {folder.path}; written {written}",
                     sections)


def write_report(run_dir) -> Path:
    """Write `<run_dir>/report.html` and return its path.

    Raises DataError naming the folder (or file) when the run folder is missing, unfinished or broken.
    """
    folder = RunFolder(run_dir)
    path = folder.path / REPORT
    atomic.write_text(path, build(folder))
    return path


def refresh(run_dir) -> Path | None:
    """Write `report.html` for a run a command has just assembled or submitted, and say where. A figure that
    cannot be drawn is a warning, never a failed command: the scores and the submission are already saved."""
    from compete.common.logs import logger
    from compete.common.runs import executors

    command = executors.current()
    if command is not None:
        command.reported.add(Path(run_dir))
    try:
        path = write_report(run_dir)
    except Exception as error:  # noqa: BLE001 - the report is one more view of artefacts already written
        logger.warning(f"report.html not written for {run_dir}: {type(error).__name__}: {error}; "
                       f"`compete <competition> report {Path(run_dir).name}` tries again")
        return None
    logger.info(f"report {path}")
    return path
