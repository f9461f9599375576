"""Strict reader for tab-separated files whose quoted fields escape quotes as `\\"` (plain or zipped).

pandas reads such files only with `escapechar="\\\\"` (`quoting=3` splits on tabs inside
reviews); this reader parses the same way but names the file and line of any malformed
row, wrong field count or invalid UTF-8, instead of silently merging rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from compete.common.errors import DataError, quoted
from compete.common.io import tables

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


def read_bytes(path) -> bytes | bytearray:
    """The file's bytes; a `.zip` must hold exactly one file, which is read without unpacking it to disk and
    within the input policy's limit on unpacked bytes (see `tables.read_bytes`)."""
    return tables.read_bytes(path)


def decode(data, path) -> str:
    """UTF-8 text (a leading BOM dropped); other encodings raise DataError naming the line and column."""
    return tables.decode(data, path)


def parse(text: str, path, required=()) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, rows and each row's starting line; DataError on a malformed row, a missing `required` column
    (checked first: a header line lost or moved is named as such) or a wrong field count."""
    records, starts = [], []
    pos, end = 0, len(text)
    while pos < end:
        start, fields = pos, []
        while True:
            match = _FIELD.match(text, pos)
            inner = match.group(1)
            fields.append(match.group(2) if inner is None else (_ESCAPE.sub(r"\1", inner) if "\\" in inner else inner))
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
            raise DataError(path, _malformed(text, match, pos, char))
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
    tables.require_columns(header, list(required), path)
    for fields, line in zip(records[1:], lines[1:]):
        if len(fields) != len(header):
            raise DataError(path, f"line {line}: expected {len(header)} tab-separated fields {quoted(header)}, "
                                  f"found {len(fields)}")
    return header, records[1:], lines[1:]


def _malformed(text: str, match, pos: int, char: str) -> str:
    """Where and what: a quote that never closes on its own line is named on the line where it opened."""
    opened = match.start()
    line = text.count("\n", 0, opened) + 1
    if text.startswith('"', opened) and text.find("\n", opened, pos) >= 0:
        # The quote ran past the end of its line to some later quote: it was never closed where it should be.
        return (f"line {line}: unterminated quoted field (the quote opened on line {line} runs on to line "
                f"{line + text.count(chr(10), opened, pos)})")
    line = text.count("\n", 0, pos) + 1
    if char == '"' and text.find('"', pos + 1) < 0:
        return f"line {line}: unterminated quoted field"
    return (f"line {line}: malformed quoted field (unexpected {char!r} after a field; quotes inside a field must be "
            'written \\")')


def read(path, required=()) -> Table:
    """Read a quoted TSV (or a zip of one), checking that the `required` columns exist."""
    path = Path(path)
    header, rows, lines = parse(decode(read_bytes(path), path), path, required)
    if len(set(header)) != len(header):
        raise DataError(path, f"duplicate column names in header {quoted(header)}")
    columns = {name: [row[i] for row in rows] for i, name in enumerate(header)}
    return Table(path, header, columns, lines)


def escape(value: str) -> str:
    """A field as these files write it: quoted, with `\\` and `"` backslash-escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
