"""Seeded fuzzing of `compete cifar10 check` (and a few `submit`s) over broken copies of the built-in sample.

Each variant copies the sample (Kaggle layout, or the python batches) and applies one mutation
to one file: truncation, flipped bytes, shuffled / duplicated / dropped CSV lines, deletion,
random bytes, an empty file. Whatever the damage, the command must end in one of two ways:
exit 0, with every test image it cannot read listed in a warning line, or exit 2 with one
short line on stderr. Nothing may escape `main` as a traceback, and `submit` never leaves a
partial CSV or a temporary file behind.

Output is captured at the file descriptors (capfd), so stray lines printed by C code count too.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compete.competitions.cifar10 import batches, sample_data
from compete.pipelines.cli import main

pytestmark = pytest.mark.usefixtures("eager_functions")

SEED = 20_251_125
VARIANTS = 60
MUTATIONS = ("truncate", "flip", "lines", "delete", "random", "empty")
TINY = ["--backbone", "tiny_cnn", "--epochs", "1", "--n-splits", "2", "--batch-size", "32", "--optimizer", "adam",
        "--learning-rate", "0.003", "--lr-schedule", "constant", "--tta", "1", "--run", "tiny"]


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    """The two layouts of the sample, written once for the module (small: fuzzing is about the files)."""
    base = tmp_path_factory.mktemp("cifar-hostile")
    return {"kaggle": sample_data.generate(base / "kaggle", n_train=30, n_test=12, seed=0),
            "batches": sample_data.generate_batches(base / "batches", n_per_batch=4, n_test=6, seed=0)}


def _targets(root: Path, kind: str) -> list[list[Path]]:
    """Groups of files a mutation may hit; a group is drawn first, so the few CSVs and pickles are hit as
    often as the many PNGs."""
    if kind == "batches":
        folder = root / batches.FOLDER
        return [[folder / batches.META], [folder / name for name in batches.TRAIN_BATCHES],
                [folder / batches.TEST_BATCH]]
    return [[root / "trainLabels.csv"], [root / "sampleSubmission.csv"], sorted((root / "train").glob("*.png")),
            sorted((root / "test").glob("*.png"))]


def mutate(root: Path, kind: str, rng: np.random.Generator, mutation: str | None = None,
           group: int | None = None) -> tuple[str, Path]:
    """Damage one file of the copy at `root`; (what was done, the file)."""
    groups = _targets(root, kind)
    files = groups[int(rng.integers(len(groups))) if group is None else group]
    path = files[int(rng.integers(len(files)))]
    mutation = mutation or MUTATIONS[int(rng.integers(len(MUTATIONS)))]
    data = path.read_bytes()
    if mutation == "lines" and path.suffix != ".csv":
        mutation = "flip"  # lines of a binary file mean nothing: flip bytes instead
    if mutation == "truncate":
        path.write_bytes(data[:int(rng.integers(0, max(len(data), 1)))])
    elif mutation == "flip":
        damaged = bytearray(data)
        for at in rng.integers(0, len(data), int(rng.integers(1, 9))):
            damaged[at] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(damaged))
    elif mutation == "lines":
        lines = data.splitlines(keepends=True)
        how = ("shuffle", "duplicate", "drop")[int(rng.integers(3))]
        if how == "shuffle":
            lines = [lines[i] for i in rng.permutation(len(lines))]
        elif how == "duplicate":
            at = int(rng.integers(len(lines)))
            lines.insert(int(rng.integers(len(lines) + 1)), lines[at])
        else:
            del lines[int(rng.integers(len(lines)))]
        path.write_bytes(b"".join(lines))
        mutation = f"lines ({how})"
    elif mutation == "delete":
        path.unlink()
    elif mutation == "random":
        path.write_bytes(rng.integers(0, 256, int(rng.integers(0, 2 * len(data) + 2)), dtype=np.uint8).tobytes())
    elif mutation == "empty":
        path.write_bytes(b"")
    return mutation, path


def _readable_png(path: Path) -> bool:
    """Judged apart from `compete`: the file is there, cv2 decodes it, and it ends with its IEND chunk."""
    import cv2

    if not path.is_file():
        return False
    data = path.read_bytes()
    if not data.rstrip(b"\x00").endswith(b"IEND\xaeB`\x82"):
        return False
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) is not None


# What libpng and OpenCV print on the process's stderr (file descriptor 2) when `compete.common.data.images`
# decodes a corrupt PNG: outside `compete`'s own messages, tolerated here and nowhere else.
DECODER_NOISE = re.compile(r"^(libpng (error|warning): |\[ *(ERROR|WARN)[^\]]*\] global grfmt_png\.cpp)")


def _check_outcome(code: int, out: str, err: str) -> None:
    err = "".join(line for line in err.splitlines(keepends=True) if not DECODER_NOISE.match(line))
    assert code in (0, 2), (code, out, err)
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("compete: error: "), err
        assert len(lines[0]) < 500, lines[0]
    else:
        assert err == "", err


@pytest.mark.parametrize("variant", range(VARIANTS))
@pytest.mark.parametrize("kind", ["kaggle", "batches"])
def test_check_survives_a_damaged_download(samples, tmp_path, capfd, kind, variant):
    root = shutil.copytree(samples[kind], tmp_path / "data")
    rng = np.random.default_rng([SEED, ("kaggle", "batches").index(kind), variant])
    mutation, path = mutate(root, kind, rng)
    capfd.readouterr()
    code = main(["cifar10", "check", "--data", str(root), "-q"])
    out, err = capfd.readouterr()
    print(f"{kind} #{variant}: {mutation} {path.relative_to(root)} -> exit {code}")
    _check_outcome(code, out, err)
    if code == 0 and kind == "kaggle" and path.parent.name == "test" and not _readable_png(path):
        warnings = [line for line in out.splitlines() if line.startswith("warning: ")]
        named = re.compile(rf"(?<![0-9]){re.escape(path.name)}")
        assert any(named.search(line) for line in warnings), (mutation, path.name, out)
    if code == 0 and kind == "kaggle" and path.parent.name == "train":
        assert _readable_png(path), (mutation, path.name, out)  # a training image that cannot be read is refused


def _csv_files_complete(folder: Path, n_rows: int) -> None:
    """Only whole submissions: every file is a .csv with the header and one row per test id."""
    for path in folder.rglob("*"):
        if path.is_file():
            assert path.suffix == ".csv", path
            frame = pd.read_csv(path, dtype=str)
            assert list(frame.columns) == ["id", "label"] and len(frame) == n_rows, path


@pytest.mark.parametrize("kind,mutation,group", [
    ("kaggle", "truncate", 3),  # a test PNG cut short: the fallback prediction, listed
    ("kaggle", "delete", 3),  # a test PNG missing: the same
    ("kaggle", "lines", 1),  # sampleSubmission.csv lines shuffled, duplicated or dropped
    ("kaggle", "flip", 0),  # trainLabels.csv with flipped bytes
    ("batches", "random", 2),  # test_batch replaced by random bytes
])
def test_submit_leaves_a_whole_submission_or_none(samples, tmp_path, capfd, kind, mutation, group):
    root = shutil.copytree(samples[kind], tmp_path / "data")
    rng = np.random.default_rng([SEED, 99, MUTATIONS.index(mutation.split()[0]), group])
    done, path = mutate(root, kind, rng, mutation, group)
    capfd.readouterr()
    code = main(["cifar10", "submit", "--data", str(root), "--runs-dir", str(tmp_path / "runs"),
                 "--submissions-dir", str(tmp_path / "subs"), "-q", *TINY])
    out, err = capfd.readouterr()
    print(f"submit {kind}: {done} {path.relative_to(root)} -> exit {code}")
    _check_outcome(code, out, err)
    n_test = 12 if kind == "kaggle" else 6
    _csv_files_complete(tmp_path / "subs", n_test)
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name and "data" not in p.parts]
    if code == 0:
        assert (tmp_path / "subs" / "cifar10" / "tiny.csv").is_file()
        if kind == "kaggle" and path.parent.name == "test":
            assert re.search(rf"could not be read .*'{path.name}'", out), out
