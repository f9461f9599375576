"""Strict reader for tab-separated files whose quoted fields escape quotes as `\\"` (plain or zipped).

pandas reads such files only with `escapechar="\\\\"` (`quoting=3` splits on tabs inside
reviews); this reader parses the same way but names the file and line of any malformed
row, wrong field count or invalid UTF-8, instead of silently merging rows.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from compete.common.errors import DataError

_FIELD = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"|([^\t\r\n"]*)', re.S)
_ESCAPE = re.compile(r"\\(.)", re.S)


@dataclass
class Table:
    """Columns of strings, plus the 1-based line on which each row starts (for messages)."""

    path: Path
    header: list[str]
    columns: dict[str, list[str]]
    lines: list[int]

    def __len__(self) -> int:
        return len(self.lines)

    def where(self, row: int) -> str:
        return f"line {self.lines[row]}"


def read_bytes(path) -> bytes:
    """The file's bytes; a `.zip` must hold exactly one file, which is read without unpacking."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    if path.suffix.lower() != ".zip":
        return path.read_bytes()
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/") and not m.startswith("__MACOSX")]
            if len(members) != 1:
                raise DataError(path, f"expected one file in the zip archive, found {members[:5]}")
            return archive.read(members[0])
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise DataError(path, f"cannot read zip archive: {error}") from None


def decode(data: bytes, path) -> str:
    """UTF-8 text (a leading BOM dropped); other encodings raise DataError naming the line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DataError(path, f"line {line}: not valid UTF-8 (byte {data[error.start]:#04x} at offset {error.start}); "
                              "re-save the file as UTF-8") from None
    return text[1:] if text.startswith("\ufeff") else text


def parse(text: str, path) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, rows and each row's starting line; DataError on a malformed row or a wrong field count."""
    records, starts = [], []
    pos, end = 0, len(text)
    while pos < end:
        start, fields = pos, []
        while True:
            match = _FIELD.match(text, pos)
            quoted = match.group(1)
            fields.append(match.group(2) if quoted is None else (_ESCAPE.sub(r"\1", quoted) if "\\" in quoted else quoted))
            pos = match.end()
            if pos >= end:
                break
            char = text[pos]
            if char == "\t":
                pos += 1
                continue
            if char == "\n" or text.startswith("\r\n", pos):
                pos += 1 if char == "\n" else 2
                break
            line = text.count("\n", 0, pos) + 1
            what = "unterminated quoted field" if char == '"' and text.find('"', pos + 1) < 0 else \
                f"malformed quoted field (unexpected {char!r} after a field; quotes inside a field must be written \\\")"
            raise DataError(path, f"line {line}: {what}")
        records.append(fields)
        starts.append(start)
    if not records:
        raise DataError(path, "empty file (no header)")
    lines, line, last = [], 1, 0
    for start in starts:
        line += text.count("\n", last, start)
        lines.append(line)
        last = start
    header = records[0]
    for fields, line in zip(records[1:], lines[1:]):
        if len(fields) != len(header):
            raise DataError(path, f"line {line}: expected {len(header)} tab-separated fields {header}, found {len(fields)}")
    return header, records[1:], lines[1:]


def read(path, required=()) -> Table:
    """Read a quoted TSV (or a zip of one), checking that the `required` columns exist."""
    from compete.common.errors import require_columns

    path = Path(path)
    header, rows, lines = parse(decode(read_bytes(path), path), path)
    require_columns(header, list(required), path)
    if len(set(header)) != len(header):
        raise DataError(path, f"duplicate column names in header {header}")
    columns = {name: [row[i] for row in rows] for i, name in enumerate(header)}
    return Table(path, header, columns, lines)


def escape(value: str) -> str:
    """A field as these files write it: quoted, with `\\` and `"` backslash-escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
