"""Where things are in an AI Hub style download, read with file-naming errors.

    DATA/1.Training/라벨링데이터/**/<stem>.json     one label file per training image
    DATA/1.Training/원천데이터/**/<stem>.png|jpg     the training images
    DATA/2.Validation/원천데이터/**/<name>.png|jpg   the evaluation images (one submission row each)
    DATA/2.Validation/라벨링데이터/**/<stem>.json    optional: evaluation labels, used only to score

Folder names are matched whatever their Unicode normalisation on disk (NFC or NFD);
every name is NFC inside. Submission ids are image file names (NFC), unique.

Everything read lies inside the data folder, links resolved: a label file naming a path
outside it, or a folder, label file or image that is a link out of it, is refused
(DataError naming the file and the path).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from compete.common.errors import DataError, quoted
from compete.common.io.jsonlabels import IMAGE_EXTENSIONS, ImageIndex, KeyPaths, find_child, nfc, read_folder
from compete.common.io.paths import contained


@dataclass(frozen=True)
class Layout:
    """Folder names and label keys; built from the pipeline settings."""

    train_dir: str = "1.Training"
    eval_dir: str = "2.Validation"
    labels_dir: str = "라벨링데이터"
    images_dir: str = "원천데이터"
    keys: KeyPaths = KeyPaths()
    domains: tuple[str, ...] | None = ("ILLUSTRATION", "PICTOGRAM", "SKETCH")


@dataclass
class Split:
    """Images of one split; labels, domains, boxes and label files are None where there are no labels."""

    ids: list[str]
    paths: list[Path]
    labels: list[str] | None = None
    domains: list[str | None] | None = None
    boxes: list | None = None
    label_files: list[Path | None] | None = None
    unmatched: list[tuple[Path, str]] = field(default_factory=list)
    unlabelled: list[Path] = field(default_factory=list)  # training images no label file claims (left out)

    def labelled(self) -> list[int]:
        return [] if self.labels is None else [i for i, label in enumerate(self.labels) if label is not None]


def _folder(root: Path, *names: str, required: bool = True, what: str = "folder") -> Path | None:
    path = root
    for name in names:
        found = find_child(path, name)
        if found is None:
            if required:
                raise DataError(path / name, f"{what} not found")
            return None
        contained(root, found, what=what)
        path = found
    return path


def _ids(paths, where) -> list[str]:
    ids = [nfc(p.name) for p in paths]
    seen: dict[str, Path] = {}
    for name, path in zip(ids, paths):
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:  # bytes that are no UTF-8: a submission row could not name it
            raise DataError(path.parent, f"the file name {quoted(name)} is not valid UTF-8; rename the file") from None
        if name in seen:
            raise DataError(where, f"two images share the file name {quoted(name)} ({quoted(str(seen[name]))} and "
                                   f"{quoted(str(path))}); submission rows are keyed by file name")
        seen[name] = path
    return ids


def read_train(root, layout: Layout = Layout()) -> Split:
    """Every training label file with its image; label files without an image are listed in `unmatched`."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(root, "data folder not found")
    labels_root = _folder(root, layout.train_dir, layout.labels_dir, what="training label folder")
    images_root = _folder(root, layout.train_dir, layout.images_dir, what="training image folder")
    index = ImageIndex(images_root, IMAGE_EXTENSIONS, data_root=root)
    records, unmatched = read_folder(labels_root, images_root, layout.keys, layout.domains, root=root, index=index)
    if not records:
        raise DataError(labels_root, "no label file matched to an image"
                        + (f" ({len(unmatched)} unmatched, e.g. {unmatched[0][0]}: {unmatched[0][1]})" if unmatched else ""))
    paths = [r.image for r in records]
    claimed = set(paths)
    return Split(_ids(paths, images_root), paths, [r.label for r in records], [r.domain for r in records],
                 [r.box for r in records], [r.label_file for r in records], unmatched,
                 [p for p in index.paths if p not in claimed])


def read_eval(root, layout: Layout = Layout(), known_classes=None) -> Split | None:
    """Every evaluation image (None when there is no evaluation folder), with labels where label files exist.

    A labelled class never seen in training (`known_classes`) raises DataError naming the label file.
    """
    root = Path(root)
    images_root = _folder(root, layout.eval_dir, layout.images_dir, required=False)
    if images_root is None:
        return None
    index = ImageIndex(images_root, IMAGE_EXTENSIONS, data_root=root)
    paths = [index.checked(p, p) for p in index.paths]
    if not paths:
        raise DataError(images_root, f"evaluation image folder has no {'/'.join(IMAGE_EXTENSIONS)} files")
    split = Split(_ids(paths, images_root), paths)
    labels_root = _folder(root, layout.eval_dir, layout.labels_dir, required=False)
    if labels_root is None:
        return split
    records, split.unmatched = read_folder(labels_root, images_root, layout.keys, layout.domains, root=root,
                                           index=index)
    by_image = {r.image: r for r in records}
    known = None if known_classes is None else set(known_classes)
    for record in records:
        if known is not None and record.label not in known:
            raise DataError(record.label_file, f"class {quoted(record.label)} is in the evaluation labels but never "
                                               f"in training; known classes ({len(known)}): "
                                               f"{quoted(sorted(known), 160)}")
    found = [by_image.get(p) for p in paths]
    split.labels = [r.label if r else None for r in found]
    split.domains = [r.domain if r else None for r in found]
    split.boxes = [r.box if r else None for r in found]
    split.label_files = [r.label_file if r else None for r in found]
    return split
