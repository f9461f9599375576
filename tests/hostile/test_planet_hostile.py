"""Seeded fuzz of the Planet download: one mutation per variant of a small built-in sample (truncated, flipped,
random, empty, deleted or folder-shaped files; shuffled / duplicated / dropped lines, stray quotes and tabs,
latin-1 bytes and multi-MB tokens in the CSVs; images that lie about their size).

`compete planet check` must answer each with exit 0 (listing every test image it cannot decode), or exit 2 and
exactly one short line on stderr; nothing may escape `main`. A few `submit` variants must leave no partial output.
"""

from __future__ import annotations

import random
import shutil
import struct
from pathlib import Path

import pandas as pd
import pytest

from compete.pipelines.cli import main
from answers import answered
from byte_mutations import drop, duplicate, flip, insert, shuffle, split_lines

pytestmark = pytest.mark.usefixtures("eager_functions")

CSVS = ("train_v2.csv", "sample_submission_v2.csv")
IMAGE_DIRS = ("train-jpg", "test-jpg", "test-jpg-additional")
N_VARIANTS = 80
TINY = ["--backbone", "tiny_cnn", "--weights", "none", "--image-size", "32", "--epochs", "1", "--n-splits", "2",
        "--tta", "1", "--batch-size", "32", "--run", "tiny"]


def _huge_tag(rng, data):
    """One training row's tags become a 5 MB unknown tag (or a 100 kB one, below the CSV field limit)."""
    lines = split_lines(data)
    i = rng.randrange(1, len(lines) - 1)
    name = lines[i].split(b",")[0]
    lines[i] = name + b"," + b"clear " + rng.choice([b"q" * 5_000_000, b"w" * 100_000])
    return b"\n".join(lines)


def _giant_jpeg(rng, data):
    """A valid JPEG whose frame header declares 60000 x 60000 pixels (3.6 GP)."""
    data = bytearray(data)
    at = max(data.find(b"\xff\xc0"), data.find(b"\xff\xc2"))
    if at >= 0:
        data[at + 5: at + 9] = struct.pack(">HH", 60000, 60000)
    return bytes(data)


ANY = {  # for any file
    "truncate": lambda rng, data: data[: rng.randrange(len(data) + 1)],
    "flip": flip,
    "random": lambda rng, data: rng.randbytes(rng.choice([1, 100, len(data)])),
    "empty": lambda rng, data: b"",
    "delete": None,
    "dir": None,
}
TABLE = {  # for the CSVs
    "shuffle": shuffle,
    "duplicate": duplicate,
    "drop": drop,
    "quote": insert(lambda rng: b'"'),
    "tab": insert(lambda rng: b"\t"),
    "latin1": insert(lambda rng: rng.choice([b"\xe9", b"caf\xe9", b"\xff\xfe"])),
    "crlf": lambda rng, data: data.replace(b"\n", b"\r\n"),
    "bom": lambda rng, data: b"\xef\xbb\xbf" + data,
    "huge_tag": _huge_tag,
}
IMAGE = {  # for the images
    "giant": _giant_jpeg,
    "png": None,
}
KINDS = [*ANY, *TABLE, *IMAGE]


def kind_of(variant: int) -> str:
    return KINDS[variant % len(KINDS)]


def mutate(root: Path, variant: int) -> tuple[str, Path]:
    """Apply variant `variant`'s one mutation to the download in `root`; returns what was done and to which file."""
    rng = random.Random(variant)
    kind = kind_of(variant)
    if kind in TABLE or (kind in ANY and rng.random() < 0.4):
        path = root / ("train_v2.csv" if kind == "huge_tag" else rng.choice(CSVS))
    else:
        folder = root / rng.choice(IMAGE_DIRS)
        path = rng.choice(sorted(folder.iterdir()))
    data = path.read_bytes()
    if kind == "delete":
        path.unlink()
    elif kind == "dir":
        path.unlink()
        path.mkdir()
    elif kind == "png":
        import cv2
        import numpy as np

        ok, png = cv2.imencode(".png", np.full((32, 32, 4), 200, np.uint8))
        assert ok
        path.write_bytes(png.tobytes())  # a PNG (with transparency) under a .jpg name
    else:
        path.write_bytes({**ANY, **TABLE, **IMAGE}[kind](rng, data))
    return f"{kind} {path.relative_to(root)}", path


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from compete.competitions.planet import sample_data

    return sample_data.generate(tmp_path_factory.mktemp("planet-hostile"), n_train=30, n_test=8, n_test_additional=4,
                                seed=5, image_size=32)


OUTCOMES: dict[int, tuple[str, int]] = {}


def _decodes(path: Path) -> bool:
    from compete.common.data.images import read
    from compete.common.errors import DataError

    try:
        read(path)
    except DataError:
        return False
    return True


@pytest.mark.parametrize("variant", range(N_VARIANTS))
def test_check_answers_every_variant_in_one_line(sample, tmp_path, capsys, variant):
    data = shutil.copytree(sample, tmp_path / "data")
    what, path = mutate(data, variant)
    code = main(["planet", "check", "--data", str(data)])
    out, err = answered(capsys, code)
    OUTCOMES[variant] = (what, code)
    if code == 0:  # every test image that cannot be decoded is listed, not hidden
        bad = [p for folder in IMAGE_DIRS[1:] for p in sorted((data / folder).iterdir()) if not _decodes(p)]
        assert all(f"test image {p}: " in out for p in bad), out
        assert (f"{len(bad)} test image(s) unreadable" in out) == bool(bad), out
    if kind_of(variant) == "huge_tag":
        assert code == 2 and "train_v2.csv" in err and len(err.strip()) < 300, err
    if kind_of(variant) == "giant":
        assert code == 2 if path.parent.name == "train-jpg" else "test image(s) unreadable" in out


def test_the_variants_cover_both_outcomes():
    """The fuzz is not vacuous: some variants are refused and some still pass."""
    if len(OUTCOMES) < N_VARIANTS:
        pytest.skip("run with the whole module")
    codes = [code for _, code in OUTCOMES.values()]
    assert codes.count(2) >= N_VARIANTS // 3 and codes.count(0) >= 10
    assert all(code == 0 for what, code in OUTCOMES.values() if what.split()[0] in ("crlf", "bom"))


def _no_partial_output(root: Path, data: Path, code: int) -> None:
    leftovers = [p for folder in ("runs", "subs") for p in (root / folder).rglob("*") if ".tmp" in p.name]
    assert leftovers == []
    csvs = list((root / "subs").rglob("*.csv"))
    if code != 0:
        assert csvs == []
        return
    [csv] = csvs
    from compete.common.submission import problems
    from compete.competitions.planet.format import FORMAT

    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    sample = pd.read_csv(data / "sample_submission_v2.csv", dtype=str, keep_default_na=False)
    assert problems(frame, sample, FORMAT) == [] and frame["image_name"].tolist() == sample["image_name"].tolist()


def _truncate_last_id(data: Path) -> None:
    path = data / "sample_submission_v2.csv"
    text = path.read_bytes()
    last = text.rstrip(b"\n").rfind(b"\n") + 1
    path.write_bytes(text[: last + 3])  # the last row keeps 3 characters of its image name


SUBMITS = {
    "a truncated test image": lambda d: (d / "test-jpg" / "test_2.jpg").write_bytes(
        (d / "test-jpg" / "test_2.jpg").read_bytes()[:150]),
    "a sample submission cut inside its last id": _truncate_last_id,
    "latin-1 in the training labels": lambda d: (d / "train_v2.csv").write_bytes(
        (d / "train_v2.csv").read_bytes().replace(b"clear", b"cl\xe9ar", 1)),
    "a truncated training image": lambda d: (d / "train-jpg" / "train_4.jpg").write_bytes(
        (d / "train-jpg" / "train_4.jpg").read_bytes()[:150]),
}


@pytest.mark.parametrize("damage", list(SUBMITS))
def test_submit_on_damaged_downloads_leaves_no_partial_output(sample, tmp_path, capsys, damage):
    data = shutil.copytree(sample, tmp_path / "data")
    SUBMITS[damage](data)
    code = main(["planet", "submit", "--data", str(data), "--runs-dir", str(tmp_path / "runs"),
                 "--submissions-dir", str(tmp_path / "subs"), *TINY])
    out, err = answered(capsys, code)
    _no_partial_output(tmp_path, data, code)
    if damage == "a truncated test image":
        assert code == 0 and "test_2" in out
    if damage == "latin-1 in the training labels":
        assert code == 2 and "train_v2.csv: line " in err and not (tmp_path / "runs").exists()
