"""Reading a competition's table files (CSV, or the bytes of any file, plain or zipped), with errors that name
the file, the line and the column, and never echo more than a short piece of a bad value.

A `.zip` is read in memory without unpacking it to disk, and within the input policy's limit
(`policy.current.max_unpacked_bytes`): the sizes the archive declares are checked before
anything is expanded, and the bytes are counted while expanding (a declared size can lie),
so a small archive that expands to gigabytes is refused after at most the limit is read.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections import Counter
from pathlib import Path

from compete.common.errors import DataError, quoted, require_columns  # noqa: F401  (require_columns: one definition, re-exported here)

CHUNK = 1 << 20
# What expanding a broken or hostile archive can raise besides BadZipFile: a corrupt deflate
# stream (zlib.error), bzip2 / lzma data (OSError, LZMAError), an encrypted member (RuntimeError),
# an unsupported compression method (NotImplementedError), a truncated file (EOFError).
_ZIP_ERRORS: tuple = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError,
                      NotImplementedError, ValueError, zlib.error)
try:
    import lzma

    _ZIP_ERRORS += (lzma.LZMAError,)
except ImportError:  # pragma: no cover
    pass


def size_words(n: int) -> str:
    """A byte count as a user reads it: whole MB when it is one, else bytes."""
    if n % (1 << 20) == 0:
        return f"{n >> 20:,} MB"
    return f"{n / (1 << 20):,.1f} MB" if n >= 1 << 20 else f"{n:,} bytes"


def _too_big(path, name: str, what: str, done: str, limit: int) -> DataError:
    return DataError(path, f"{quoted(name)} {what}, over the {size_words(limit)} limit on unpacked data: {done} "
                           "(raise the limit with --max-unpacked-mb if the file is genuine)")


def unzip_one(path) -> bytearray:
    """The bytes of the one file in the zip archive `path`, expanded in memory within the policy's limit.

    Folders and macOS `__MACOSX/` entries are ignored. Members are read through the archive,
    never extracted by name, so a member name that escapes (absolute, `..`) can do no harm.
    """
    from compete.common.io import policy

    path = Path(path)
    limit = policy.current.max_unpacked_bytes
    try:
        with zipfile.ZipFile(path) as archive:
            members = [i for i in archive.infolist()
                       if not i.is_dir() and not i.filename.startswith("__MACOSX")]
            if len(members) != 1:
                raise DataError(path, f"expected one file in the zip archive, found {len(members)}: "
                                      f"{quoted([m.filename for m in members[:5]])}")
            info = members[0]
            if info.flag_bits & 0x1:
                raise DataError(path, f"{quoted(info.filename)} is encrypted (password protected); unzip it first")
            if info.file_size > limit:
                raise _too_big(path, info.filename, f"declares {size_words(info.file_size)} unpacked",
                               "refused before unpacking", limit)
            with archive.open(info) as member:
                return expand(member, limit, path, info.filename, info.file_size)
    except DataError:
        raise
    except _ZIP_ERRORS as error:
        raise DataError(path, f"cannot read zip archive: {capped(str(error), 160)}") from None


def _require_file(path: Path, missing: str) -> None:
    """A regular file (or a link to one); a folder, device or broken link is named as such, not as absent."""
    if path.is_file():
        return
    if path.is_dir():
        raise DataError(path, "expected a file, found a folder")
    if path.exists() or path.is_symlink():
        raise DataError(path, "expected a regular file, found something else (a device, a pipe or a broken link)")
    raise DataError(path, missing)


def expand(member, limit: int, path, name: str, declared: int) -> bytearray:
    """Read the stream `member` whole, stopping as soon as it passes `limit` bytes.

    The declared size (when within the limit) is allocated once and filled, so memory is the
    file's size, not the doublings of a growing buffer; bytes beyond it (a declared size that
    lies) are still counted, so a lie costs at most the limit and one chunk.
    """
    size = declared if 0 <= declared <= limit else 0
    data, filled = bytearray(size), 0
    with memoryview(data) as view:
        while filled < size:
            chunk = member.read(min(CHUNK, size - filled))
            if not chunk:
                break
            view[filled:filled + len(chunk)] = chunk
            filled += len(chunk)
    del data[filled:]
    while True:
        chunk = member.read(CHUNK)
        if not chunk:
            return data
        if len(data) + len(chunk) > limit:
            raise _too_big(path, name, f"unpacks to more than the {size_words(declared)} it declares",
                           "stopped unpacking", limit)
        data += chunk


def read_bytes(path) -> bytes | bytearray:
    """The file's bytes; a `.zip` must hold exactly one file, which is read without unpacking it to disk."""
    path = Path(path)
    _require_file(path, "file not found")
    if path.suffix.lower() == ".zip":
        return unzip_one(path)
    try:
        return path.read_bytes()
    except OSError as error:
        raise DataError(path, f"cannot read: {error.strerror or error}") from None


def where(data, offset: int) -> str:
    """"line L, column C" (1-based; the column counts bytes) of byte `offset` in `data`."""
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def decode(data, path) -> str:
    """UTF-8 text (a leading BOM dropped); other encodings raise DataError naming the line and column."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataError(path, f"{where(data, error.start)}: not valid UTF-8 (byte {data[error.start]:#04x}); "
                              "re-save the file as UTF-8") from None
    return text[1:] if text.startswith("\ufeff") else text


def read_csv(path, missing: str = "file not found") -> "pd.DataFrame":
    """Every cell as a string (ids keep leading zeros, empty stays ""); DataError if absent or unparsable.

    Strict where pandas would guess: every row has as many fields as the header (pandas takes
    a first row with one field too many for an index column, and pads short rows), quotes are
    well formed, column names are distinct, and the text is UTF-8. Errors name the line (and
    column) at fault. Blank lines are skipped. A `.zip` holding one CSV is read too, within
    the unpacking limit.
    """
    import csv

    import pandas as pd

    path = Path(path)
    _require_file(path, missing)
    text = decode(read_bytes(path), path)
    if not text or text.isspace():
        raise DataError(path, "empty file (no header)")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise DataError(path, f"line {line}: NUL byte (a binary file, not CSV text)")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header, rows, line = None, [], 1
    try:
        for fields in reader:
            if fields and not (len(fields) == 1 and not fields[0].strip() and header is not None):
                if header is None:
                    header = fields
                elif len(fields) != len(header):
                    raise DataError(path, f"line {line}: expected {len(header)} comma-separated fields "
                                          f"{quoted(header)}, found {len(fields)}")
                else:
                    rows.append(fields)
            line = reader.line_num + 1
    except csv.Error as error:
        problem = str(error)
        if "field larger than field limit" in problem:
            problem = f"a field longer than {csv.field_size_limit():,} characters"
        elif "end of data" in problem:
            problem = "unterminated quoted field (its quote is never closed)"
        else:
            problem = f"malformed CSV ({capped(problem, 120)}; a quote inside a field must be doubled)"
        raise DataError(path, f"line {line}: {problem}") from None
    if header is None:
        raise DataError(path, "empty file (no header)")
    duplicated = sorted(name for name, count in Counter(header).items() if count > 1)
    if duplicated:
        raise DataError(path, f"duplicate column name(s) in the header: {quoted(duplicated)}")
    return pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(
        {name: pd.Series([], dtype=str) for name in header})


def capped(text: str, limit: int = 80) -> str:
    """`text` on one line (whitespace runs made one space), cut to `limit` characters with "…"."""
    text = " ".join(str(text)[: limit * 4].split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
