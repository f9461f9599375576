"""Reading a competition's CSV files as text, with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from compete.common.errors import DataError


def read_csv(path, missing: str = "file not found") -> pd.DataFrame:
    """Every cell as a string (ids keep leading zeros, empty stays ""); DataError if absent or unparsable."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, missing)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataError(path, f"cannot parse as CSV: {error}") from None
