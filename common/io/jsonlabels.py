"""One JSON label file per image (AI Hub style), read through configurable key paths.

Names and paths are Unicode-normalised to NFC (macOS writes NFD), files read as UTF-8.
A label file is matched to its image by the path it names, else by file stem.
"""

from __future__ import annotations

import json
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from compete.common.errors import DataError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
_MISSING = object()


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
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            raise DataError(source, f"missing key path {key_path!r} (no {step!r})")
    return value


def load_json(path):
    """Parse a UTF-8 (optionally BOM-prefixed) JSON file; DataError naming it when malformed."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(path, f"not UTF-8 text: {error}") from None
    except OSError as error:
        raise DataError(path, f"cannot be read: {error.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DataError(path, f"malformed JSON: {error}") from None


def parse_box(value, source=None) -> tuple[float, float, float, float]:
    """"[x, y, w, h]" (string or list of 4 numbers, w and h positive) as floats."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise DataError(source, f"box {value!r} is not of the form [x, y, w, h]") from None
    if not isinstance(value, (list, tuple)) or len(value) != 4 or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise DataError(source, f"box {value!r} is not of the form [x, y, w, h]")
    x, y, w, h = map(float, value)
    if w <= 0 or h <= 0:
        raise DataError(source, f"box {value!r} has a non-positive width or height")
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
    """Image files under a root, found by NFC relative path, NFC name or NFC stem."""

    def __init__(self, root, extensions: Sequence[str] = IMAGE_EXTENSIONS):
        self.root = Path(root)
        self.paths = list_files(self.root, extensions)
        self.by_name: dict[str, list[Path]] = {}
        self.by_stem: dict[str, list[Path]] = {}
        for path in self.paths:
            self.by_name.setdefault(nfc(path.name), []).append(path)
            self.by_stem.setdefault(nfc(path.stem), []).append(path)

    def locate(self, named: str, label_file: Path) -> tuple[Path | None, str]:
        """The image a label file names (its path if it exists, else its file name, else the label's stem)."""
        if named:
            candidate = Path(named)
            for guess in (candidate, self.root / candidate, label_file.parent / candidate):
                if guess.is_file():
                    return guess, ""
            hits = self.by_name.get(nfc(candidate.name), [])
            if len(hits) == 1:
                return hits[0], ""
        hits = self.by_stem.get(nfc(label_file.stem), [])
        if len(hits) == 1:
            return hits[0], ""
        if len(hits) > 1:
            return None, f"file stem {nfc(label_file.stem)!r} matches {len(hits)} images: {[str(h) for h in hits[:3]]}"
        return None, f"no image named {named!r} or with stem {nfc(label_file.stem)!r} under {self.root}"


def read_label(path, keys: KeyPaths = KeyPaths(), domains: Iterable[str] | None = None):
    """(label, image path as written, domain, box) from one label file, all strings NFC."""
    data = load_json(path)
    label = get_path(data, keys.label, path)
    if not isinstance(label, str) or not label.strip():
        raise DataError(path, f"{keys.label!r} is {label!r}, expected a class name")
    named = get_path(data, keys.image, path) if keys.image else ""
    if not isinstance(named, str):
        raise DataError(path, f"{keys.image!r} is {named!r}, expected a path")
    domain = None
    if keys.domain:
        domain = get_path(data, keys.domain, path)
        allowed = None if domains is None else [nfc(d) for d in domains]
        if not isinstance(domain, str) or (allowed is not None and nfc(domain) not in allowed):
            raise DataError(path, f"unknown domain {domain!r} at {keys.domain!r}; known: {allowed}")
        domain = nfc(domain)
    box = parse_box(get_path(data, keys.box, path), path) if keys.box else None
    return nfc(label.strip()), nfc(named), domain, box


def read_folder(label_root, image_root, keys: KeyPaths = KeyPaths(), domains: Iterable[str] | None = None,
                extensions: Sequence[str] = IMAGE_EXTENSIONS) -> tuple[list[LabelRecord], list[tuple[Path, str]]]:
    """Every *.json under `label_root` matched to an image under `image_root`.

    Returns (records, unmatched) where unmatched is (label file, why) for label files
    with no image; two label files claiming one image is a DataError.
    """
    index = ImageIndex(image_root, extensions)
    records, unmatched, owner = [], [], {}
    for label_file in list_files(label_root, (".json",)):
        label, named, domain, box = read_label(label_file, keys, domains)
        image, why = index.locate(named, label_file)
        if image is None:
            unmatched.append((label_file, why))
            continue
        if image in owner:
            raise DataError(label_file, f"names the same image as {owner[image]}: {image}")
        owner[image] = label_file
        records.append(LabelRecord(label_file, image, label, domain, box))
    return records, unmatched
