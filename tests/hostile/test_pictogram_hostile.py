"""Seeded fuzzing of the pictogram download: one mutation per variant, through the real CLI, in-process.

Every variant must end in exit 0 or 2: 2 with exactly one short `compete: error: ` line, 0 with
every broken item named in the output; never a traceback. A few variants go through `submit`,
which must leave no temporary file and either no submission or a complete one.
"""

import json
import os
import shutil
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compete.common.data.images import read
from compete.common.errors import DataError
from compete.common.io.jsonlabels import read_label
from compete.competitions.pictogram import sample_data
from compete.competitions.pictogram.classes import DOMAINS
from compete.pipelines.cli import main

pytestmark = pytest.mark.usefixtures("eager_functions")

# As small as the generator allows: 2 training images per class, 1 evaluation image per class, nothing planted.
MINIMAL = dict(n_max=2, n_min=2, n_eval_per_class=1, n_exact=0, n_near=0, n_overlap=0, n_photos=0)
TINY = ["--backbone", "camp_cnn_tiny", "--image-size", "32", "--epochs", "1", "--n-splits", "2", "--batch-size", "16"]
BASE_SEED = 20221
N_VARIANTS = 100
TRAIN_LABELS, TRAIN_IMAGES = ("1.Training", "라벨링데이터"), ("1.Training", "원천데이터")
EVAL_LABELS, EVAL_IMAGES = ("2.Validation", "라벨링데이터"), ("2.Validation", "원천데이터")
KINDS = ("truncate", "flip", "random", "empty", "delete", "json_value", "abs_path", "link_out")
KIND_WEIGHTS = (0.1, 0.1, 0.1, 0.1, 0.1, 0.25, 0.15, 0.1)
JSON_KEYS = ("category.ctg_nm_level3", "abstract_image.abs_path", "abstract_image.abs_domain",
             "abstract_image.abs_bbox", "category", "abstract_image", "")
UNICODE = ("🦄 ünïcödé", unicodedata.normalize("NFD", "귀걸이"), "\u202eevil\u202c", "a\u200bb", "\ud800",
           "e\u0301", "ㄱ" * 3, "\x00", "名前\n改行")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return sample_data.generate(tmp_path_factory.mktemp("pict-minimal"), seed=0, **MINIMAL)


def _files(root: Path, *parts) -> list[Path]:
    return sorted((p for p in root.joinpath(*parts).rglob("*") if p.is_file()), key=lambda p: str(p))


BOXES = ("[NaN, 1, 2, 3]", "[1, 2, Infinity, 3]", [1, 2, 10 ** 400, 3], "[1, 2, 3]", "[" * 5000, "[0, 0, 0, 0]",
         "[-500, -500, 10, 10]", "[1, 2, 3, 4, 5]", "[true, 1, 2, 3]", "1" * 5000, "[1e308, 1e308, 1e308, 1e308]")


def _replacement(rng, value, key=""):
    """A value of the wrong kind (or a hostile one of the right kind) for a JSON field."""
    if key.endswith("abs_bbox") and rng.random() < 0.6:
        return BOXES[int(rng.integers(len(BOXES)))]
    choice = int(rng.integers(9))
    return [lambda: int(rng.integers(-10**6, 10**6)), lambda: float(rng.normal() * 1e6), lambda: [value, value],
            lambda: {"x": value}, lambda: None, lambda: "가" * 10_000,
            lambda: UNICODE[int(rng.integers(len(UNICODE)))], lambda: bool(rng.integers(2)), lambda: [[[[[]]]]]][choice]()


def _rewrite_json(path: Path, rng) -> str:
    data = json.loads(path.read_text(encoding="utf-8"))
    key = JSON_KEYS[int(rng.choice(len(JSON_KEYS), p=(0.175, 0.175, 0.175, 0.175, 0.1, 0.1, 0.1)))]
    if not key:
        data = _replacement(rng, data)
        what = "whole file"
    else:
        *parents, last = key.split(".")
        holder = data
        for step in parents:
            holder = holder[step]
        if rng.random() < 0.2:
            del holder[last]
            what = f"{key} removed"
        else:
            holder[last] = _replacement(rng, holder[last], key)
            what = f"{key} = {str(holder[last])[:40]!r}"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8", errors="surrogatepass")
    return what


def _point_elsewhere(path: Path, root: Path, rng) -> str:
    others = _files(root, *TRAIN_IMAGES) + _files(root, *EVAL_IMAGES)
    targets = ["/etc/passwd", "/etc", "/", "../../../outside.png", "../../../../outside.png", "", ".", "..",
               "x\x00y.png", "/aihub/" + "긴" * 5_000 + ".png", "C:\\aihub\\x.png", "http://example.com/x.png",
               str(others[int(rng.integers(len(others)))]), str(path), str(root / "sample_manifest.json"),
               str(root / "1.Training"), "~/x.png", "../" * 50 + "etc/passwd"]
    named = targets[int(rng.integers(len(targets)))]
    data = json.loads(path.read_text(encoding="utf-8"))
    data["abstract_image"]["abs_path"] = named
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return f"abs_path = {named[:60]!r}"


def mutate(root: Path, rng) -> tuple[str, Path, str]:
    """One mutation of one file of the download at `root`; (kind, the file, what was done)."""
    kind = KINDS[int(rng.choice(len(KINDS), p=KIND_WEIGHTS))]
    labels = _files(root, *TRAIN_LABELS) + _files(root, *EVAL_LABELS)
    if kind in ("json_value", "abs_path"):
        pool = labels
    else:
        groups = [_files(root, *TRAIN_LABELS), _files(root, *EVAL_LABELS), _files(root, *TRAIN_IMAGES),
                  _files(root, *EVAL_IMAGES), [root / "sample_manifest.json"]]
        pool = groups[int(rng.choice(len(groups), p=[0.3, 0.15, 0.25, 0.25, 0.05]))]
    path = pool[int(rng.integers(len(pool)))]
    data = path.read_bytes()
    if kind == "truncate":
        at = int(rng.integers(len(data)))
        path.write_bytes(data[:at])
        return kind, path, f"cut at {at} of {len(data)} bytes"
    if kind == "flip":
        buf = bytearray(data)
        spots = rng.integers(len(buf), size=int(rng.integers(1, 9)))
        for at in spots:
            buf[at] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(buf))
        return kind, path, f"{len(spots)} byte(s) flipped"
    if kind == "random":
        path.write_bytes(rng.bytes(int(rng.integers(1, 4096))))
        return kind, path, "random bytes"
    if kind == "empty":
        path.write_bytes(b"")
        return kind, path, "emptied"
    if kind == "delete":
        path.unlink()
        return kind, path, "deleted"
    if kind == "json_value":
        return kind, path, _rewrite_json(path, rng)
    if kind == "link_out":  # the file becomes a link out of the download
        target = [root.parent / "outside.png", Path("/etc/passwd"), root.parent][int(rng.integers(3))]
        path.unlink()
        path.symlink_to(target)
        return kind, path, f"a link to {target}"
    return kind, path, _point_elsewhere(path, root, rng)


def _variant(sample, tmp_path, seed):
    data = shutil.copytree(sample, tmp_path / "data")
    outside = tmp_path / "outside.png"  # a real image beside the download, outside it
    outside.write_bytes(_files(sample, *TRAIN_IMAGES)[0].read_bytes())
    return data, mutate(data, np.random.default_rng([BASE_SEED, seed]))


def _run(action, data, tmp_path, capsys, *extra):
    code = main(["pictogram", action, "--data", str(data), "--runs-dir", str(tmp_path / "runs"),
                 "--submissions-dir", str(tmp_path / "subs"), *extra])
    out, err = capsys.readouterr()
    assert code in (0, 2), (code, err[-2000:])
    assert "Traceback" not in out + err, err[-3000:]
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("compete: error: "), err[:2000]
        assert len(lines[0]) < 500, (len(lines[0]), lines[0][:600])
    return code, out, err


def _readable(path: Path) -> bool:
    try:
        read(path)
    except DataError:
        return False
    return True


def _label_ok(path: Path) -> bool:
    try:
        read_label(path, domains=DOMAINS)
    except DataError:
        return False
    return True


def _in(parts, path: Path, data: Path) -> bool:
    return path.is_relative_to(data.joinpath(*parts))


def _check_listed(kind, path: Path, data: Path, out: str, what: str) -> None:
    """After exit 0: whatever the mutation broke is named in the output.

    A link to a folder is no file at all (the listing does not follow it): it counts as deleted.
    """
    stem = unicodedata.normalize("NFC", path.stem)
    context = f"{kind} {path.relative_to(data)} ({what})"
    present = path.is_file()
    if path.name == "sample_manifest.json":  # not part of the layout: nothing reads it
        return
    assert not (present and path.is_symlink()), f"a link out of the download passed: {context}"
    if _in(TRAIN_IMAGES, path, data):
        assert not present or _readable(path), f"an unreadable training image passed: {context}"
        if not present:
            assert stem in out and "have no image: left out" in out, context
    elif _in(EVAL_IMAGES, path, data):
        if not present:
            assert stem in out and "evaluation label file(s) have no image" in out, context
        elif not _readable(path):
            assert f"evaluation image {path}" in out and "evaluation image(s) unreadable" in out, context
    elif _in(TRAIN_LABELS, path, data) or _in(EVAL_LABELS, path, data):
        if not present:
            assert stem in out and "have no label file" in out, context
        else:
            assert _label_ok(path), f"a broken label file passed: {context}"


_OPENED: list[str] = []
_WATCHING = [False]


def _audit(event, args):
    if _WATCHING[0] and event == "open" and isinstance(args[0], (str, bytes, Path)):
        _OPENED.append(str(args[0]))


@pytest.fixture
def opened():
    """The paths opened while the fixture's holder watches (Python's audit hook)."""
    if not getattr(sys, "_pictogram_fuzz_audit", False):
        sys.addaudithook(_audit)
        sys._pictogram_fuzz_audit = True
    _OPENED.clear()
    try:
        yield _OPENED
    finally:
        _WATCHING[0] = False


@pytest.mark.parametrize("seed", range(N_VARIANTS))
def test_check_survives_a_mutated_download(sample, tmp_path, capsys, opened, seed):
    data, (kind, path, what) = _variant(sample, tmp_path, seed)
    _WATCHING[0] = True
    code, out, err = _run("check", data, tmp_path, capsys)
    _WATCHING[0] = False
    OUTCOMES[seed] = (code, kind, str(path.relative_to(data)), what)
    if code == 0:
        _check_listed(kind, path, data, out, what)
    else:  # the one line names the file at fault, inside the download
        assert err.startswith(f"compete: error: {data}"), (kind, what, err)
    outside = {str(tmp_path / "outside.png"), "/etc/passwd"}
    assert not outside & {os.path.realpath(p) for p in opened}, f"read outside the download: {kind} {what}"


OUTCOMES: dict[int, tuple] = {}


def _set(key_path, value):
    def change(path: Path):
        data = json.loads(path.read_text(encoding="utf-8"))
        *parents, last = key_path.split(".")
        holder = data
        for step in parents:
            holder = holder[step]
        holder[last] = value
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return change


def _fifo(path: Path):
    path.unlink()
    os.mkfifo(path)


# Inputs that once escaped `main` as tracebacks, hung, or gave messages naming no file (each on one label file,
# or on the image it names): they are kept as fixed variants beside the random ones.
CLASSICS = {
    "nested 100k deep": lambda p: p.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8"),
    "5000-digit integer": lambda p: p.write_text('{"a": ' + "9" * 5000 + "}", encoding="utf-8"),
    "box 10**400": _set("abstract_image.abs_bbox", [1, 2, 10 ** 400, 3]),
    "box NaN": _set("abstract_image.abs_bbox", "[NaN, 1, 2, 3]"),
    "box nested 5000 deep": _set("abstract_image.abs_bbox", "[" * 5000),
    "path 10 kB": _set("abstract_image.abs_path", "/aihub/" + "긴" * 10_000 + ".png"),
    "path with NUL": _set("abstract_image.abs_path", "TS_x/a\x00.png"),
    "class 1 MB": _set("category.ctg_nm_level3", "가" * (1 << 20)),
    "class lone surrogate": lambda p: p.write_text(
        p.read_text(encoding="utf-8").replace('"ctg_nm_level3": "', '"ctg_nm_level3": "\\ud800'), encoding="utf-8"),
    "label file is a pipe": _fifo,
    "image is a pipe": lambda p: _fifo(next(i for i in (p.parents[2] / "원천데이터").rglob("*") if i.stem == p.stem)),
}


@pytest.mark.parametrize("name", list(CLASSICS))
def test_check_survives_the_classics(sample, tmp_path, capsys, name):
    data = shutil.copytree(sample, tmp_path / "data")
    label_file = _files(data, *TRAIN_LABELS)[0]
    CLASSICS[name](label_file)
    code, out, err = _run("check", data, tmp_path, capsys)
    if code == 2:
        assert err.startswith(f"compete: error: {data}"), err
    else:  # a stale path that names nothing: matched by the label's stem, as any stale path
        assert name.startswith("path"), (name, out[-1000:])


def test_zz_outcomes_cover_both_exits():
    """The seeded variants exercise both refusals and survivals (run after the variants, in file order)."""
    if len(OUTCOMES) < N_VARIANTS:
        pytest.skip("run with the whole fuzz module")
    codes = [c for c, *_ in OUTCOMES.values()]
    assert codes.count(0) >= 10 and codes.count(2) >= 10, codes


# --- through submit: no partial output -----------------------------------------------------------

SUBMIT = [
    ("eval image truncated", lambda d, rng: _cut(_files(d, *EVAL_IMAGES)[3], rng)),
    ("eval image random bytes", lambda d, rng: _files(d, *EVAL_IMAGES)[7].write_bytes(rng.bytes(300))),
    ("training label random bytes", lambda d, rng: _files(d, *TRAIN_LABELS)[5].write_bytes(rng.bytes(300))),
    ("training label points outside", lambda d, rng: _point(_files(d, *TRAIN_LABELS)[9], "../../../outside.png")),
]


def _cut(path, rng):
    data = path.read_bytes()
    path.write_bytes(data[:int(rng.integers(1, len(data)))])


def _point(path, named):
    label = json.loads(path.read_text(encoding="utf-8"))
    label["abstract_image"]["abs_path"] = named
    path.write_text(json.dumps(label, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("name, change", SUBMIT, ids=[n for n, _ in SUBMIT])
def test_submit_on_a_mutated_download_leaves_no_partial_output(sample, tmp_path, capsys, name, change):
    data = shutil.copytree(sample, tmp_path / "data")
    (tmp_path / "outside.png").write_bytes(_files(sample, *TRAIN_IMAGES)[0].read_bytes())
    change(data, np.random.default_rng([BASE_SEED, 7, len(name)]))
    code, out, err = _run("submit", data, tmp_path, capsys, *TINY, "--run", "fuzz")
    leftovers = [str(p) for root in (tmp_path / "runs", tmp_path / "subs") if root.exists()
                 for p in root.rglob("*") if ".tmp" in p.name]
    assert not leftovers, leftovers
    csvs = sorted((tmp_path / "subs").rglob("*.csv")) if (tmp_path / "subs").exists() else []
    ids = sorted(unicodedata.normalize("NFC", p.name) for p in _files(data, *EVAL_IMAGES))
    if code == 0:
        assert len(csvs) == 1, out[-2000:]
    else:
        assert not csvs
    for csv in csvs:
        frame = pd.read_csv(csv, dtype=str, encoding="utf-8")
        assert sorted(frame["file_name"]) == ids and frame["class_name"].notna().all()
    if name.startswith("eval image"):
        assert code == 0 and "could not be read and were given the training prior" in out, err
    else:
        assert code == 2
