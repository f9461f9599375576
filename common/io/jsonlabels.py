"""One JSON label file per image (AI Hub style), read through configurable key paths.

Names and paths are Unicode-normalised to NFC (macOS writes NFD), files read as UTF-8.
A label file is matched to its image by the path it names, else by file name, else by file
stem; whichever way, the image must lie inside the data folder (links resolved): a path
leading out of it is refused, naming the label file. Values quoted in messages are cut to a
readable length (`quoted`), however long the file's value.
"""

from __future__ import annotations

import json
import math
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from compete.common.errors import DataError, quoted
from compete.common.io.paths import contained, exists, inside, joined, regular_file

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
MAX_NAME = 256  # characters of a class or domain name: a longer one is not a name
MAX_LABEL_FILE_BYTES = 64 << 20  # a label file is a few hundred bytes; this much is not one


@dataclass(frozen=True)
class KeyPaths:
    """Where each field lives in a label file (dotted paths); `domain` / `box` may be "" for none."""

    label: str = "category.ctg_nm_level3"
    image: str = "abstract_image.abs_path"
    domain: str = "abstract_image.abs_domain"
    box: str = "abstract_image.abs_bbox"


@dataclass(frozen=True)
class LabelRecord:
    """One parsed label file and the image it belongs to; `box` is (x, y, w, h) or None."""

    label_file: Path
    image: Path
    label: str
    domain: str | None
    box: tuple[float, float, float, float] | None


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", str(text))


def get_path(obj, key_path: str, source=None):
    """The value at a dotted key path; DataError naming `source` when any step is missing."""
    value = obj
    for step in key_path.split("."):
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdecimal() and int(step) < len(value):
            value = value[int(step)]
        else:
            found = f"; found {type(value).__name__} {quoted(value, 40)}" if not isinstance(value, dict) else ""
            raise DataError(source, f"missing key path {key_path!r} (no {step!r}{found})")
    return value


def load_json(path, max_bytes: int = MAX_LABEL_FILE_BYTES):
    """Parse a UTF-8 (optionally BOM-prefixed) JSON file; DataError naming it when malformed."""
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise DataError(path, f"{size / 2**20:.0f} MB, over the {max_bytes / 2**20:.0f} MB a label file may have")
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(path, f"not UTF-8 text: {error}") from None
    except OSError as error:
        raise DataError(path, f"cannot be read: {error.strerror or error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DataError(path, f"malformed JSON: {error}") from None
    except RecursionError:
        raise DataError(path, "malformed JSON: nested too deeply") from None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise DataError(path, f"malformed JSON: {quoted(str(error), 120)}") from None


def parse_box(value, source=None) -> tuple[float, float, float, float]:
    """"[x, y, w, h]" (string or list of 4 finite numbers, w and h positive) as floats."""
    form = f"box {quoted(value)} is not of the form [x, y, w, h]"
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise DataError(source, form) from None
    if not isinstance(value, (list, tuple)) or len(value) != 4 or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise DataError(source, form)
    try:
        x, y, w, h = map(float, value)
    except OverflowError:
        raise DataError(source, f"box {quoted(value)} has a number too large") from None
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        raise DataError(source, f"box {quoted(value)} has a number that is not finite")
    if w <= 0 or h <= 0:
        raise DataError(source, f"box {quoted(value)} has a non-positive width or height")
    return x, y, w, h


def check_box(box, width: int, height: int, source=None, tolerance: float = 1.0) -> tuple[int, int, int, int]:
    """Integer pixel box inside a width x height image; DataError naming `source` if it lies outside."""
    x, y, w, h = box
    if x < -tolerance or y < -tolerance or x + w > width + tolerance or y + h > height + tolerance:
        raise DataError(source, f"box [x={x:g}, y={y:g}, w={w:g}, h={h:g}] lies outside the {width}x{height} image")
    x0, y0 = max(0, int(round(x))), max(0, int(round(y)))
    x1, y1 = min(width, int(round(x + w))), min(height, int(round(y + h)))
    if x1 - x0 < 1 or y1 - y0 < 1:
        raise DataError(source, f"box [x={x:g}, y={y:g}, w={w:g}, h={h:g}] is empty at pixel resolution")
    return x0, y0, x1 - x0, y1 - y0


def list_files(root, extensions: Sequence[str]) -> list[Path]:
    """Files under `root` (recursively) whose lower-cased suffix is in `extensions`, sorted by NFC path."""
    found = []
    for folder, _, files in os.walk(root):
        found += [Path(folder) / f for f in files if Path(f).suffix.lower() in extensions and not f.startswith(".")]
    return sorted(found, key=lambda p: nfc(p))


def find_child(parent, name: str) -> Path | None:
    """`parent/name` whatever the Unicode normalisation of the name on disk (NFC or NFD)."""
    parent = Path(parent)
    if not parent.is_dir():
        return None
    want = nfc(name)
    for entry in sorted(os.listdir(parent)):
        if nfc(entry) == want:
            return parent / entry
    return None


class ImageIndex:
    """Image files under a root, found by NFC relative path, NFC name or NFC stem.

    `data_root` (default: `root`) is the folder every image it hands out must lie in,
    links resolved; a path a label file names is taken relative to `root` or to the label
    file's folder, never to the current directory.
    """

    def __init__(self, root, extensions: Sequence[str] = IMAGE_EXTENSIONS, data_root=None):
        self.root = Path(root)
        self.data_root = self.root if data_root is None else Path(data_root)
        contained(self.data_root, self.root, what="image folder")
        self.paths = list_files(self.root, extensions)
        self.by_name: dict[str, list[Path]] = {}
        self.by_stem: dict[str, list[Path]] = {}
        self.by_path = {nfc(p): p for p in self.paths}
        self._by_file: dict | None = None
        for path in self.paths:
            self.by_name.setdefault(nfc(path.name), []).append(path)
            self.by_stem.setdefault(nfc(path.stem), []).append(path)

    def _indexed(self, path: Path) -> Path | None:
        """The indexed image that `path` is (the same name, or the same file under another spelling)."""
        found = self.by_path.get(nfc(path))
        if found is not None:
            return found
        if self._by_file is None:
            self._by_file = {}
            for p in self.paths:
                try:
                    st = os.stat(p)
                except (OSError, ValueError):
                    continue
                self._by_file.setdefault((st.st_dev, st.st_ino), p)
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return None
        return self._by_file.get((st.st_dev, st.st_ino))

    def checked(self, image: Path, source, what: str = "image") -> Path:
        """`image` (found by walking a folder inside the data folder) if it is no link out of the data folder
        and is a plain file, or missing. The walk follows no folder link, so only the file itself can be one."""
        if os.path.islink(image):
            contained(self.data_root, image, source, what=what)
        if os.path.exists(image) and not regular_file(image):
            raise DataError(source, f"{what} {quoted(str(image))} is not a regular file")
        return image

    def locate(self, named: str, label_file: Path, key: str = "image path") -> tuple[Path | None, str]:
        """The image a label file names (its path if it exists, else its file name, else the label's stem).

        A named path that exists is taken relative to the image folder or to the label file's
        folder; one leading outside the data folder, or naming a file that is not one of the
        images, raises DataError naming the label file. A path that does not exist is stale:
        the image is then found by its file name or the label's stem.
        """
        if named:
            for base in (self.root, label_file.parent):
                guess = joined(named, base)
                if guess is None or not exists(guess):
                    continue
                path = inside(self.data_root, named, label_file, base=base, what=key)
                found = self._indexed(path)
                if found is not None:
                    return self.checked(found, label_file), ""
                if os.path.isdir(path):
                    continue  # a folder (e.g. "."): not an image, so look by name below
                raise DataError(label_file, f"{key} {quoted(named)} names {quoted(str(path))}, which is not one "
                                            f"of the {'/'.join(IMAGE_EXTENSIONS)} images under {self.root}")
            name = nfc(Path(named).name) if "\x00" not in named else ""
            hits = self.by_name.get(name, []) if name else []
            if len(hits) == 1:
                return self.checked(hits[0], label_file), ""
        stem = nfc(label_file.stem)
        hits = self.by_stem.get(stem, [])
        if len(hits) == 1:
            return self.checked(hits[0], label_file), ""
        if len(hits) > 1:
            return None, f"file stem {quoted(stem)} matches {len(hits)} images: {quoted([str(h) for h in hits[:3]])}"
        return None, f"no image named {quoted(named)} or with stem {quoted(stem)} under {self.root}"


def _text(value, key: str, path, what: str, limit: int | None = MAX_NAME) -> str:
    """A string value of a label file: a str, encodable as UTF-8, at most `limit` characters."""
    if not isinstance(value, str) or not value.strip():
        raise DataError(path, f"{key!r} is {quoted(value)}, expected {what}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise DataError(path, f"{key!r} is {quoted(value)}, which is not valid Unicode text") from None
    if limit is not None and len(value) > limit:
        raise DataError(path, f"{key!r} is {len(value)} characters long ({quoted(value, 40)}), expected {what} "
                              f"of at most {limit}")
    return value


def read_label(path, keys: KeyPaths = KeyPaths(), domains: Iterable[str] | None = None):
    """(label, image path as written, domain, box) from one label file, all strings NFC."""
    data = load_json(path)
    label = _text(get_path(data, keys.label, path), keys.label, path, "a class name")
    named = get_path(data, keys.image, path) if keys.image else ""
    if not isinstance(named, str):
        raise DataError(path, f"{keys.image!r} is {quoted(named)}, expected a path")
    try:
        named.encode("utf-8")
    except UnicodeEncodeError:
        raise DataError(path, f"{keys.image!r} is {quoted(named)}, which is not valid Unicode text") from None
    domain = None
    if keys.domain:
        domain = get_path(data, keys.domain, path)
        allowed = None if domains is None else [nfc(d) for d in domains]
        if not isinstance(domain, str) or (allowed is not None and nfc(domain) not in allowed):
            known = f"; known: {', '.join(allowed)}" if allowed is not None else ", expected a name"
            raise DataError(path, f"unknown domain {quoted(domain)} at {keys.domain!r}{known}")
        domain = nfc(_text(domain, keys.domain, path, "a domain name"))
    box = parse_box(get_path(data, keys.box, path), path) if keys.box else None
    return nfc(label.strip()), nfc(named), domain, box


def read_folder(label_root, image_root, keys: KeyPaths = KeyPaths(), domains: Iterable[str] | None = None,
                extensions: Sequence[str] = IMAGE_EXTENSIONS, root=None,
                index: ImageIndex | None = None) -> tuple[list[LabelRecord], list[tuple[Path, str]]]:
    """Every *.json under `label_root` matched to an image under `image_root`.

    Returns (records, unmatched) where unmatched is (label file, why) for label files
    with no image; two label files claiming one image is a DataError. Label files and
    images must lie inside `root` (default: the folder holding both), links resolved.
    `index` is the image index to match against, when the caller has built it already.
    """
    if root is None:
        root = os.path.commonpath([os.path.abspath(label_root), os.path.abspath(image_root)])
    index = index if index is not None else ImageIndex(image_root, extensions, data_root=root)
    contained(root, label_root, what="label folder")
    records, unmatched, owner = [], [], {}
    for label_file in list_files(label_root, (".json",)):
        index.checked(label_file, label_file, what="label file")
        label, named, domain, box = read_label(label_file, keys, domains)
        image, why = index.locate(named, label_file, keys.image or "image path")
        if image is None:
            unmatched.append((label_file, why))
            continue
        if image in owner:
            raise DataError(label_file, f"names the same image as {owner[image]}: {image}")
        owner[image] = label_file
        records.append(LabelRecord(label_file, image, label, domain, box))
    return records, unmatched
