"""The submission: one row per evaluation image, file name and predicted class name; column names are settings."""

from __future__ import annotations

import pandas as pd

from compete.common.submission import SubmissionFormat

PLACEHOLDER = "?"


def submission_format(classes, id_column: str = "file_name", label_column: str = "class_name") -> SubmissionFormat:
    if id_column == label_column:
        raise ValueError(f"id and label columns must differ, both are {id_column!r}")
    return SubmissionFormat(columns=(id_column, label_column), kind="class", vocabulary=tuple(classes))


def expected(ids, fmt: SubmissionFormat) -> pd.DataFrame:
    """The sample submission the camp did not publish: every evaluation file name once."""
    return pd.DataFrame({fmt.columns[0]: list(ids), fmt.columns[1]: PLACEHOLDER})
