"""7z archives through py7zr (the `kaggle` extra), opened the way `unpack` opens zip and tar.

py7zr writes each member through our writer: the path it asks for must lie in the destination
and every byte counts against the archive's budget. A file object (not a path) is handed to
py7zr so that it decompresses in this thread, one folder after another.
"""

from __future__ import annotations

import os
from pathlib import Path

import py7zr
from py7zr.exceptions import ArchiveError, PasswordRequired
from py7zr.io import Py7zIO, WriterFactory

from compete.common.errors import DataError
from compete.common.io.unpack import Budget, Member, target

FAILURES = (ArchiveError, PasswordRequired, EOFError)


class Archive:
    def __init__(self, path, label: str):
        self.label = label
        self.handle = open(path, "rb")
        try:
            self.file = py7zr.SevenZipFile(self.handle)
        except FAILURES as error:
            self.handle.close()
            raise DataError(label, f"corrupt or unsupported 7z archive ({error})") from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()
        self.handle.close()

    def members(self, max_members: int) -> list[Member]:
        found = []
        for entry in self.file.files:
            kind = _kind(entry)
            found.append(Member(entry.filename, (entry.uncompressed or 0) if kind == "file" else 0, kind))
            if len(found) > max_members:
                break
        return found

    def write(self, dest: Path, budget: Budget) -> None:
        try:
            self.file.extractall(path=dest, factory=_Writers(dest, budget, self.label))
        except FAILURES as error:
            raise DataError(self.label, f"corrupt or unsupported 7z archive ({error})") from None


def _kind(entry) -> str:
    if entry.is_directory:
        return "folder"
    if entry.is_symlink or entry.is_junction:
        return "link"
    return "file" if entry.is_file else "special"


class _Writers(WriterFactory):
    def __init__(self, dest: Path, budget: Budget, label: str):
        self.dest, self.budget, self.label = dest, budget, label

    def create(self, filename: str) -> Py7zIO:
        relative = os.path.relpath(filename, self.dest.absolute())
        return _Writer(open(target(self.dest, relative, self.label), "xb"), self.budget)


class _Writer(Py7zIO):
    """One member's file: written, never read back."""

    def __init__(self, handle, budget: Budget):
        self.handle, self.budget = handle, budget

    def write(self, s) -> int:
        self.budget.take(len(s))
        return self.handle.write(s)

    def read(self, size=None) -> bytes:
        raise OSError("a member being unpacked is not read back")

    def seek(self, offset: int, whence: int = 0) -> int:
        raise OSError("a member being unpacked is not rewound")

    def seekable(self) -> bool:
        return False

    def flush(self) -> None:
        self.handle.flush()

    def size(self) -> int:
        return self.handle.tell()

    def close(self) -> None:
        self.handle.close()
