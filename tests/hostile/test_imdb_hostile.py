"""Seeded fuzz of the IMDB download: one mutation per variant of the built-in sample (truncated, flipped, random,
empty or deleted files, shuffled / duplicated / dropped lines, stray quotes and tabs, latin-1 bytes, zipped files).

`compete imdb check` must answer each with exit 0, or exit 2 and exactly one short line on stderr; nothing may
escape `main`. A few `submit` variants must leave no partial output behind.
"""

from __future__ import annotations

import random
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from compete.pipelines.cli import main
from answers import answered
from byte_mutations import drop, duplicate, flip, insert, shuffle

FILES = ("labeledTrainData.tsv", "testData.tsv", "unlabeledTrainData.tsv", "sampleSubmission.csv")
TABLES = FILES  # every IMDB file is a table
N_VARIANTS = 80
FAST = ["--models", "tfidf_lr,nbsvm", "--n-splits", "3", "--min-df", "1"]


MUTATIONS = {
    "truncate": lambda rng, data: data[: rng.randrange(len(data) + 1)],
    "flip": flip,
    "random": lambda rng, data: rng.randbytes(rng.choice([1, 100, len(data)])),
    "empty": lambda rng, data: b"",
    "delete": None,
    "shuffle": shuffle,
    "duplicate": duplicate,
    "drop": drop,
    "quote": insert(lambda rng: b'"'),
    "tab": insert(lambda rng: b"\t"),
    "latin1": insert(lambda rng: rng.choice([b"\xe9", b"caf\xe9", b"\xff\xfe", b"\xe8\xe0"])),
    "crlf": lambda rng, data: data.replace(b"\n", b"\r\n"),
    "bom": lambda rng, data: b"\xef\xbb\xbf" + data,
    "utf16": lambda rng, data: data.decode("utf-8").encode("utf-16"),
    "huge_token": insert(lambda rng: rng.choice([b"x", b"\"", b"\t"]) * 3_000_000),
    "nul": insert(lambda rng: b"\x00"),
    "zip": "zip",
    "zip_truncated": "zip",
    "zip_bomb": "zip",
    "zip_two": "zip",  # two files in one archive
    "zip_escape": "zip",  # a member named ../../<name>: read through the archive, never extracted
    "dir": "dir",
}
# Variants whose command gets extra flags.
FLAGS = {"zip_bomb": ["--max-unpacked-mb", "1"]}


def kind_of(variant: int) -> str:
    return list(MUTATIONS)[variant % len(MUTATIONS)]


def mutate(root: Path, variant: int) -> str:
    """Apply variant `variant`'s one mutation to the download in `root`; returns what was done."""
    rng = random.Random(variant)
    kind = kind_of(variant)
    name = rng.choice(FILES)
    path = root / name
    data = path.read_bytes()
    if kind == "delete":
        path.unlink()
    elif kind == "dir":
        path.unlink()
        path.mkdir()
    elif kind.startswith("zip"):
        zipped = root / f"{name}.zip"
        with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"../../{name}" if kind == "zip_escape" else name,
                             data + (b" " * (5 << 20) if kind == "zip_bomb" else b""))
            if kind == "zip_two":
                archive.writestr(f"copy/{name}", data)
        path.unlink()
        if kind == "zip_truncated":
            packed = zipped.read_bytes()
            zipped.write_bytes(packed[: rng.randrange(len(packed))])
    else:
        path.write_bytes(MUTATIONS[kind](rng, data))
    return f"{kind} {name}"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from compete.competitions.imdb import sample_data

    return sample_data.generate(tmp_path_factory.mktemp("imdb-hostile"), seed=3, n_labeled=60, n_test=20,
                                n_unlabeled=30)


OUTCOMES: dict[int, tuple[str, int]] = {}


@pytest.mark.parametrize("variant", range(N_VARIANTS))
def test_check_answers_every_variant_in_one_line(sample, tmp_path, capsys, variant):
    data = shutil.copytree(sample, tmp_path / "data")
    what = mutate(data, variant)
    code = main(["imdb", "check", "--data", str(data), *FLAGS.get(kind_of(variant), [])])
    _, err = answered(capsys, code)
    OUTCOMES[variant] = (what, code)
    if kind_of(variant) == "zip_bomb":  # refused from its declared size, naming the archive and the way out
        assert code == 2 and ".zip: " in err and "over the 1 MB limit" in err and "--max-unpacked-mb" in err
    if kind_of(variant) in ("utf16", "empty", "delete") and what.split()[1] == "labeledTrainData.tsv":
        assert code == 2


def test_the_variants_cover_both_outcomes():
    """The fuzz is not vacuous: some variants are refused and some still pass (the zipped files, at least)."""
    if len(OUTCOMES) < N_VARIANTS:
        pytest.skip("run with the whole module")
    codes = [code for _, code in OUTCOMES.values()]
    assert codes.count(2) >= N_VARIANTS // 2 and codes.count(0) >= 5
    assert all(code == 0 for what, code in OUTCOMES.values() if what.split()[0] in ("zip", "zip_escape", "crlf", "bom"))
    assert all(code == 2 for what, code in OUTCOMES.values() if what.split()[0] in ("zip_two", "zip_bomb"))


def _no_partial_output(root: Path, data: Path, code: int) -> None:
    leftovers = [p for folder in ("runs", "subs") for p in (root / folder).rglob("*") if ".tmp" in p.name]
    assert leftovers == []
    csvs = list((root / "subs").rglob("*.csv"))
    if code != 0:
        assert csvs == []
        return
    [csv] = csvs
    from compete.common.submission import problems
    from compete.competitions.imdb import layout
    from compete.competitions.imdb.format import FORMAT

    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    assert problems(frame, layout.read_test(data).sample, FORMAT) == []


SUBMITS = {
    "zipped labeled file": lambda d, rng: mutate_to_zip(d, "labeledTrainData.tsv"),
    "truncated test file": lambda d, rng: (d / "testData.tsv").write_bytes(
        (d / "testData.tsv").read_bytes()[:1500]),
    "zipped sample submission, CRLF test file": lambda d, rng: (
        mutate_to_zip(d, "sampleSubmission.csv"),
        (d / "testData.tsv").write_bytes((d / "testData.tsv").read_bytes().replace(b"\n", b"\r\n"))),
    "labels all one class": lambda d, rng: (d / "labeledTrainData.tsv").write_bytes(
        (d / "labeledTrainData.tsv").read_bytes().replace(b"\t0\t", b"\t1\t")),
    "duplicated test line": lambda d, rng: (d / "testData.tsv").write_bytes(
        duplicate(random.Random(1), (d / "testData.tsv").read_bytes())),
}


def mutate_to_zip(root: Path, name: str) -> None:
    with zipfile.ZipFile(root / f"{name}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(root / name, name)
    (root / name).unlink()


@pytest.mark.parametrize("damage", list(SUBMITS))
def test_submit_on_damaged_downloads_leaves_no_partial_output(sample, tmp_path, capsys, damage):
    data = shutil.copytree(sample, tmp_path / "data")
    SUBMITS[damage](data, random.Random(7))
    code = main(["imdb", "submit", "--data", str(data), "--runs-dir", str(tmp_path / "runs"),
                 "--submissions-dir", str(tmp_path / "subs"), *FAST])
    _, err = answered(capsys, code)
    _no_partial_output(tmp_path, data, code)
    if damage.startswith("zipped"):
        assert code == 0
    if damage == "labels all one class":
        assert code == 2 and "labeledTrainData.tsv: the labels are all one class" in err
        assert not (tmp_path / "runs").exists()
