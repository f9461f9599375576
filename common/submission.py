"""Submission files: checked against the competition's sample submission, then written atomically."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from compete.common.io import atomic
from compete.common.errors import DataError, quoted
from compete.common.io.tables import read_csv


@dataclass(frozen=True)
class SubmissionFormat:
    """What a competition's CSV must look like.

    Args:
        columns: the header, id column first.
        kind: "tags" (space-separated tags from `vocabulary`), "class" (one name
            from `vocabulary`) or "probability" (a number in [0, 1]).
        vocabulary: allowed tags or classes for "tags" / "class".
    """

    columns: tuple[str, ...]
    kind: str
    vocabulary: tuple[str, ...] = ()

    @property
    def id_column(self) -> str:
        return self.columns[0]


def read_sample(path, fmt: SubmissionFormat) -> pd.DataFrame:
    """Read a sample submission, checking its header and ids."""
    path = Path(path)
    sample = read_csv(path, missing="sample submission not found")
    if tuple(sample.columns) != fmt.columns:
        raise DataError(path, f"header is {quoted(list(sample.columns))}, expected {list(fmt.columns)}")
    if sample.empty:
        raise DataError(path, "sample submission has no rows")
    duplicated = sample[fmt.id_column][sample[fmt.id_column].duplicated()]
    if len(duplicated):
        raise DataError(path, f"duplicate ids, e.g. {quoted(list(duplicated[:3]))}")
    return sample


def problems(frame: pd.DataFrame, sample: pd.DataFrame, fmt: SubmissionFormat) -> list[str]:
    """Everything wrong with `frame` as a submission; empty when it is valid."""
    found: list[str] = []
    if tuple(frame.columns) != fmt.columns:
        return [f"header is {quoted(list(frame.columns))}, expected {list(fmt.columns)}"]
    text = frame.astype(str)
    missing_cells = frame.isna() | (text.apply(lambda col: col.str.strip()) == "")
    if missing_cells.to_numpy().any():
        rows = np.flatnonzero(missing_cells.to_numpy().any(axis=1))
        found.append(f"{len(rows)} row(s) with missing values, e.g. rows {(rows[:3] + 2).tolist()} of the file")
    ids = text[fmt.id_column]
    dups = ids[ids.duplicated()]
    if len(dups):
        found.append(f"{len(dups)} duplicate id(s), e.g. {quoted(list(dups[:3]))}")
    expected, got = set(sample[fmt.id_column]), set(ids)
    if expected - got:
        found.append(f"{len(expected - got)} id(s) of the sample submission missing, e.g. "
                     f"{quoted(sorted(expected - got)[:3])}")
    if got - expected:
        found.append(f"{len(got - expected)} id(s) not in the sample submission, e.g. "
                     f"{quoted(sorted(got - expected)[:3])}")
    for column in fmt.columns[1:]:
        found += _label_problems(frame[column], fmt, column)
    return found


def _label_problems(values: pd.Series, fmt: SubmissionFormat, column: str) -> list[str]:
    values = values.dropna()
    if fmt.kind == "probability":
        numbers = pd.to_numeric(values, errors="coerce")
        bad = values[numbers.isna() | (numbers < 0) | (numbers > 1)]
        return ([f"{len(bad)} value(s) in {column!r} are not probabilities in [0, 1], e.g. {quoted(list(bad[:3]))}"]
                if len(bad) else [])
    allowed = set(fmt.vocabulary)
    if fmt.kind == "tags":
        unknown = sorted({tag for row in values.astype(str) for tag in row.split() if tag not in allowed})
    elif fmt.kind == "class":
        unknown = sorted(set(values.astype(str)) - allowed)
    else:
        raise ValueError(f"unknown submission kind {fmt.kind!r}")
    return [f"unknown label(s) in {column!r}: {quoted(unknown[:5])}"] if unknown else []


def write(frame: pd.DataFrame, path, sample: pd.DataFrame, fmt: SubmissionFormat, run_dir=None) -> Path:
    """Check `frame` against `sample`, order it as the sample, and write it atomically; with `run_dir`, the run
    it came from records where it was written (`submission.json`) and its report is written with the preview.

    Raises DataError (and writes nothing) if the check finds anything wrong.
    """
    found = problems(frame, sample, fmt)
    if found:
        raise DataError(path, "submission rejected, nothing written: " + "; ".join(found))
    order = pd.Index(frame[fmt.id_column].astype(str)).get_indexer(sample[fmt.id_column])
    atomic.write_csv(path, frame.iloc[order].reset_index(drop=True))
    if run_dir is not None:
        from compete.common.reports import refresh
        from compete.common.runs.artefacts import record_submission

        record_submission(run_dir, path, len(frame))
        refresh(run_dir)
    return Path(path)


def check_file(path, sample: pd.DataFrame, fmt: SubmissionFormat) -> list[str]:
    """Problems of an existing CSV on disk (for `compete ... check-submission`)."""
    try:
        frame = read_csv(path, missing="submission file not found")
    except DataError as error:
        return [error.problem]
    return problems(frame, sample, fmt)


SAMPLE_MARKER = ".compete-sample"  # written into every generated sample folder


def mark_sample(folder) -> None:
    """Mark `folder` as generated sample data, so no upload command is ever suggested for it."""
    (Path(folder) / SAMPLE_MARKER).write_text("generated by compete; not a competition download\n")


def is_sample(folder) -> bool:
    return (Path(folder) / SAMPLE_MARKER).exists()


def kaggle_command(slug: str, path, message: str) -> str:
    """The upload command a user can paste."""
    return f'kaggle competitions submit -c {slug} -f {path} -m "{message}"'


SAMPLE_REFUSAL = "--kaggle-submit: this is the built-in sample, not a competition download; nothing to upload it to"


def check_upload(competition: str, data, wanted: bool) -> None:
    """Refuse `--kaggle-submit` before any training: for the built-in sample, a competition not on Kaggle, or
    without the Kaggle API and credentials (one line each). Nothing to check when no upload is wanted."""
    if not wanted:
        return
    if is_sample(data):
        raise DataError(data, SAMPLE_REFUSAL)
    from compete.common.kaggle import client
    from compete.common.kaggle.plan import plan_of

    plan_of(competition).require_slug()
    client.api()


def suggest_upload(slug: str, path, message: str, data, upload: bool = False) -> None:
    """Last, for a real download: with `upload` (`--kaggle-submit`), upload through the Kaggle API and report its
    answer, else print the upload command. Nothing for the built-in sample, and an upload asked for it is refused."""
    from compete.common.logs import result

    if is_sample(data):
        if upload:
            raise DataError(data, SAMPLE_REFUSAL)
        return
    if upload:
        from compete.common.kaggle.upload import upload as send

        result(send(slug, path, message))
    else:
        result(kaggle_command(slug, path, message))
