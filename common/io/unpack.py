"""Unpack zip, tar and 7z archives safely: a downloaded archive is hostile until proven otherwise.

Every member is judged before anything is written. A name that is absolute or climbs out
with `..`, a link (symbolic or hard), a device or pipe, a name given twice, or more members
or declared bytes than the caller's limits: the archive is refused whole (DataError naming it
and the member) and nothing is unpacked. While writing, the bytes actually produced are
counted against the same limit, so a header that understates its sizes cannot become a bomb.
"""

from __future__ import annotations

import lzma
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from compete.common.errors import DataError, quoted

CHUNK = 1 << 20
SEVEN_ZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"
CORRUPT = (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, lzma.LZMAError)


@dataclass(frozen=True)
class Limits:
    """The most one archive may unpack to: bytes in all, and members (files and folders)."""

    max_bytes: int = 1 << 30
    max_members: int = 1000


@dataclass(frozen=True)
class Member:
    """One entry as the archive declares it; `kind` is "file", "folder", "link" or "special"."""

    name: str
    size: int
    kind: str


def format_of(path) -> str | None:
    """"zip", "7z" or "tar" from the file's first bytes (never its name); None for anything else."""
    with open(path, "rb") as handle:
        head = handle.read(262)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(SEVEN_ZIP_MAGIC):
        return "7z"
    return "tar" if head[257:262] == b"ustar" else None


def extract(archive, dest, limits: Limits = Limits(), label: str | None = None) -> None:
    """Unpack `archive` into the new folder `dest`, or refuse it (DataError) before writing anything.

    `label` names the archive in messages (default: its path). A refusal found only while
    writing (bytes beyond what the headers declared) leaves `dest` for the caller to remove.
    """
    label = label or str(archive)
    kind = format_of(archive)
    if kind is None:
        raise DataError(label, "not a zip, 7z or tar archive")
    budget = Budget(limits.max_bytes, label)
    try:
        with _OPENERS[kind](archive, label) as opened:
            members = opened.members(limits.max_members)
            judge(members, limits, label)
            Path(dest).mkdir()
            opened.write(Path(dest), budget)
    except CORRUPT as error:
        raise DataError(label, f"corrupt or truncated archive ({error})") from None


def judge(members: list[Member], limits: Limits, label: str) -> None:
    """Refuse the whole archive for its first member that could write outside, or for its size."""
    if len(members) > limits.max_members:
        raise DataError(label, f"holds more than the {limits.max_members:,} members allowed: refused as a possible "
                               "archive bomb, nothing unpacked")
    total = sum(m.size for m in members)
    if total > limits.max_bytes:
        raise DataError(label, f"declares {total:,} bytes unpacked, more than the {limits.max_bytes:,} allowed: "
                               "refused as a possible archive bomb, nothing unpacked")
    seen = set()
    for member in members:
        parts = parts_of(member.name)
        if member.kind in ("link", "special"):
            what = "a link" if member.kind == "link" else "a device, pipe or socket"
            raise DataError(label, f"member {quoted(member.name)} is {what}: refused, nothing unpacked")
        if parts is None or (member.kind == "file" and not parts):
            raise DataError(label, f"member {quoted(member.name)} would be written outside the folder it unpacks "
                                   "into: refused, nothing unpacked")
        if member.kind == "file" and parts in seen:
            raise DataError(label, f"member {quoted(member.name)} is given twice: refused, nothing unpacked")
        seen.add(parts)


def parts_of(name: str) -> tuple[str, ...] | None:
    """The member's path as names under the destination; None when it is absolute or climbs out with `..`."""
    text = name.replace("\\", "/")
    if "\x00" in text or text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return None
    parts = tuple(p for p in text.split("/") if p not in ("", "."))
    return None if ".." in parts else parts


def target(dest: Path, name: str, label: str) -> Path:
    """Where the member `name` is written, its folders made; a name leading outside `dest` is refused."""
    parts = parts_of(name)
    if not parts:
        raise DataError(label, f"member {quoted(name)} would be written outside the folder it unpacks into: refused")
    path = dest.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


class Budget:
    """Bytes written so far against the archive's limit; over it, the archive is refused as a bomb."""

    def __init__(self, limit: int, label: str):
        self.limit, self.label, self.used = limit, label, 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise DataError(self.label, f"unpacks to more than the {self.limit:,} bytes allowed (its headers declared "
                                        "less): refused as an archive bomb")

    def copy(self, source, path: Path) -> None:
        with open(path, "xb") as out:
            while chunk := source.read(CHUNK):
                self.take(len(chunk))
                out.write(chunk)


class _Zip:
    def __init__(self, path, label):
        self.file, self.label = zipfile.ZipFile(path), label

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()

    def members(self, max_members: int) -> list[Member]:
        return [Member(i.filename, i.file_size, _zip_kind(i)) for i in self.file.infolist()[:max_members + 1]]

    def write(self, dest: Path, budget: Budget) -> None:
        for info in self.file.infolist():
            if not info.is_dir():
                with self.file.open(info) as source:
                    budget.copy(source, target(dest, info.filename, self.label))


def _zip_kind(info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16
    if info.is_dir():
        return "folder"
    if stat.S_ISLNK(mode):
        return "link"
    return "file" if stat.S_IFMT(mode) in (0, stat.S_IFREG) else "special"


class _Tar:
    def __init__(self, path, label):
        self.file, self.label = tarfile.open(path, "r:"), label

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()

    def members(self, max_members: int) -> list[Member]:
        found = []
        for info in self.file:  # read lazily, so a tar of millions of entries stops at the limit
            found.append(Member(info.name, info.size if info.isfile() else 0, _tar_kind(info)))
            if len(found) > max_members:
                break
        return found

    def write(self, dest: Path, budget: Budget) -> None:
        for info in self.file.getmembers():
            if info.isfile():
                budget.copy(self.file.extractfile(info), target(dest, info.name, self.label))


def _tar_kind(info: tarfile.TarInfo) -> str:
    if info.issym() or info.islnk():
        return "link"
    if info.isdir():
        return "folder"
    return "file" if info.isfile() and not info.issparse() else "special"


def _seven_zip(path, label):
    try:
        from compete.common.io import sevenzip
    except ImportError:
        raise DataError(label, "unpacking a 7z archive needs py7zr: pip install 'compete[kaggle]'") from None
    return sevenzip.Archive(path, label)


_OPENERS = {"zip": _Zip, "tar": _Tar, "7z": _seven_zip}
