"""`report.html` of a run: from the run folder alone, valid HTML, every figure a PNG, each competition's figures."""

import base64
import json
import shutil
import subprocess
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from compete.common.errors import DataError
from compete.common.evaluation import metrics as classmetrics
from compete.common.io import atomic
from compete.common.reports import write_report
from compete.common.runs import artefacts
from compete.common.runs.engine import Assembly, Split
from compete.pipelines.cli import main

pytestmark = pytest.mark.usefixtures("eager_functions")


@pytest.fixture(scope="module", autouse=True)
def _drawn(drawn_reports):
    """Commands here end by drawing their reports, as for a user (the other test modules skip that)."""


PNG = b"\x89PNG\r\n\x1a\n"
VOID = {"meta", "img", "br", "hr", "link", "input"}
COMMON = ["Scores", "Folds and seeds", "Learning curves", "Submission", "Settings"]


class Report(HTMLParser):
    """The report's sections (by `<h2>` title), each with its images' sources and its tables as lists of rows."""

    def __init__(self, text: str):
        super().__init__()
        self.stack, self.sections, self.notes = [], {}, []
        self._title = self._cell = self._note = None
        self.current = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "h2":
            self._title = []
        elif tag == "img":
            self.sections[self.current]["images"].append(attrs["src"])
        elif tag == "table":
            self.sections[self.current]["tables"].append([])
        elif tag == "tr":
            self.sections[self.current]["tables"][-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "p" and attrs.get("class") == "note":
            self._note = []

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"
        if tag == "h2":
            self.current = "".join(self._title)
            self.sections[self.current] = {"images": [], "tables": [], "notes": []}
            self._title = None
        elif tag in ("td", "th"):
            self.sections[self.current]["tables"][-1][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "p" and self._note is not None:
            if self.current is not None:
                self.sections[self.current]["notes"].append("".join(self._note))
            self._note = None

    def handle_data(self, data):
        for part in (self._title, self._cell, self._note):
            if part is not None:
                part.append(data)

    def table(self, section: str, index: int = 0) -> list[dict]:
        header, *rows = self.sections[section]["tables"][index]
        return [dict(zip(header, row)) for row in rows]


def _read(path: Path) -> Report:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    report = Report(text)
    assert report.stack == []  # every element closed
    for section in report.sections.values():
        for source in section["images"]:
            _check_png(source)
    return report


def _check_png(source: str) -> None:
    prefix = "data:image/png;base64,"
    assert source.startswith(prefix)
    data = base64.b64decode(source[len(prefix):], validate=True)
    assert data[:8] == PNG
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and min(image.shape[:2]) > 50


# --- tiny real runs ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planet_run(planet_sample, tmp_path_factory):
    root = tmp_path_factory.mktemp("planet-report")
    assert main(["planet", "submit", "--data", str(planet_sample), "--runs-dir", str(root / "runs"),
                 "--submissions-dir", str(root / "subs"), "--backbone", "tiny_cnn", "--weights", "none",
                 "--image-size", "32", "--epochs", "1", "--n-splits", "2", "--tta", "1", "--batch-size", "32",
                 "--run", "tiny"]) == 0
    return root / "runs" / "planet" / "tiny"


@pytest.fixture(scope="module")
def imdb_run(tmp_path_factory):
    from compete.competitions.imdb import sample_data

    root = tmp_path_factory.mktemp("imdb-report")
    data = sample_data.generate(root / "data", n_labeled=200, n_test=40, n_unlabeled=0)
    assert main(["imdb", "submit", "--data", str(data), "--runs-dir", str(root / "runs"), "--submissions-dir",
                 str(root / "subs"), "--models", "tfidf_lr,nbsvm", "--n-splits", "3", "--min-df", "1",
                 "--run", "tiny"]) == 0
    return root / "runs" / "imdb" / "tiny"


def test_planet_report_has_every_section_an_f2_curve_per_tag_and_the_submission(planet_run, planet_sample):
    from compete.competitions.planet import layout
    from compete.competitions.planet.tags import TAGS

    report = _read(write_report(planet_run))
    assert list(report.sections) == ["Scores", "Thresholds per tag", *COMMON[1:]]
    saved = artefacts.load_npz(planet_run / "oof.npz")
    train = layout.read_train(planet_sample)
    truth = dict(zip(train.ids, train.labels))
    assert saved["names"].tolist() == list(TAGS)
    np.testing.assert_array_equal(saved["targets"], [truth[i] for i in saved["ids"]])  # the true labels, by id
    chosen = json.loads((planet_run / "thresholds.json").read_text())
    rows = report.table("Thresholds per tag")
    assert [r["tag"] for r in rows] == list(TAGS)
    assert [float(r["threshold"]) for r in rows] == pytest.approx([chosen[t] for t in TAGS])
    assert len(report.sections["Thresholds per tag"]["images"]) == 1
    assert len(report.sections["Learning curves"]["images"]) == 2  # one per unit
    units = report.table("Folds and seeds")
    assert [(r["seed"], r["fold"]) for r in units] == [("0", "0"), ("0", "1")]
    submitted = pd.read_csv(planet_run.parents[2] / "subs" / "planet" / "tiny.csv", dtype=str, keep_default_na=False)
    assert report.table("Submission") == submitted.head(10).to_dict("records")
    settings = {r["setting"]: r["value"] for r in report.table("Settings")}
    assert settings["backbone"] == "tiny_cnn" and settings["seeds"] == "[0]"


def test_one_small_plot_per_tag_with_each_tags_own_f2():
    from matplotlib.figure import Figure
    from sklearn.metrics import fbeta_score

    from compete.common.reports import fbeta

    rng = np.random.default_rng(0)
    y = rng.random((80, 7)) < 0.3
    p = np.clip(y * 0.4 + rng.random((80, 7)) * 0.6, 0, 1)
    scores = fbeta.curves(y, p, 2.0)
    at = int(np.flatnonzero(fbeta.GRID == 0.35)[0])
    assert scores[3, at] == pytest.approx(fbeta_score(y[:, 3], p[:, 3] >= 0.35, beta=2.0))
    figure = Figure()
    names = [f"tag{k}" for k in range(7)]
    fbeta.draw(figure, scores, names, [0.2] * 7, y.sum(0), 2.0, columns=5)
    visible = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title().split(" ")[0] for ax in visible] == names


def test_imdb_report_draws_the_roc_curves_and_its_auc_is_sklearns(imdb_run):
    from sklearn.metrics import roc_auc_score

    from compete.competitions.imdb import layout

    report = _read(write_report(imdb_run))
    assert list(report.sections) == ["Scores", "ROC and calibration", *COMMON[1:]]
    assert len(report.sections["ROC and calibration"]["images"]) == 2  # the ROC curves, the reliability curve
    scores = json.loads((imdb_run / "scores.json").read_text())
    blend = artefacts.load_npz(imdb_run / "oof_blend.npz")
    model = artefacts.load_npz(imdb_run / scores["models"]["tfidf_lr"]["dir"] / "oof.npz")
    labeled = layout.read_labeled(imdb_run.parents[2] / "data")
    truth = dict(zip(labeled.ids, labeled.labels))
    np.testing.assert_array_equal(model["targets"], [truth[i] for i in model["ids"]])
    assert model["ids"].tolist() == blend["ids"].tolist()
    aucs = {r["predictions"]: float(r["ROC AUC"]) for r in report.table("ROC and calibration")}
    assert aucs["blend"] == pytest.approx(roc_auc_score(model["targets"], blend["oof"]), abs=1e-6)
    assert aucs["blend"] == pytest.approx(scores["blend"]["auc"], abs=1e-6)
    for k, name in enumerate(blend["models"]):
        assert aucs[name] == pytest.approx(roc_auc_score(model["targets"], blend["oof_models"][:, k]), abs=1e-6)
    assert [t[0] for t in report.sections["Folds and seeds"]["tables"]] == [["seed", "fold", "n_train", "n_valid",
                                                                              "seconds"]] * 2


def test_a_recorded_submission_is_the_one_previewed(imdb_run, tmp_path):
    run = tmp_path / "runs" / "imdb" / "tiny"
    shutil.copytree(imdb_run, run)
    moved = tmp_path / "elsewhere.csv"
    shutil.copy(imdb_run.parents[2] / "subs" / "imdb" / "tiny.csv", moved)
    artefacts.record_submission(run, moved, 40)
    report = _read(write_report(run))
    assert report.sections["Submission"]["notes"][0].startswith(f"{moved} (recorded in submission.json): 40 rows")
    (run / "submission.json").unlink()
    implied = _read(write_report(run)).sections["Submission"]["notes"][0]
    assert implied.startswith(f"{imdb_run.parents[2] / 'subs' / 'imdb' / 'tiny.csv'} (implied by config.json's")


# --- generated run folders -----------------------------------------------------------------------


def _pictogram_run(root: Path) -> Path:
    """A finished pictogram-like run of 20 Korean classes, written through `artefacts.save` as the pipeline does."""
    from compete.competitions.pictogram.classes import CLASSES, DOMAINS

    run = root / "runs" / "pictogram" / "generated"
    rng = np.random.default_rng(0)
    n, k = 200, len(CLASSES)
    y = np.arange(n) % k
    targets = np.eye(k, dtype=np.float32)[y]
    pred = (0.5 * targets + 0.5 * rng.dirichlet(np.ones(k), n)).astype(np.float32)
    ids = np.array([f"img{i:03d}" for i in range(n)])
    folds = {0: np.arange(n) % 2}
    units = [{"seed": 0, "fold": f, "n_valid": n // 2, "seconds": 1.5} for f in range(2)]
    artefacts.save(run, Assembly([0], units, pred[None], None, []), Split(ids, ids, targets, ids), None, folds,
                   names=CLASSES)
    for unit in units:
        folder = run / "seed0" / f"fold{unit['fold']}"
        folder.mkdir(parents=True)
        pd.DataFrame({"epoch": range(4), "accuracy": [0.2, 0.5, 0.7, 0.8], "loss": [2.0, 1.2, 0.8, 0.6],
                      "val_accuracy": [0.2, 0.4, 0.6, 0.7], "val_loss": [2.1, 1.5, 1.0, 0.9]}
                     ).to_csv(folder / "history_full.csv", index=False)
        (folder / "unit.json").write_text(json.dumps({**unit, "summary": {}}))
    domains = np.array(DOMAINS)[np.arange(n) % 3]
    scores = {"macro_f1": classmetrics.macro_f1(y, pred.argmax(1), k), "units": units,
              "per_class": classmetrics.per_class(y, pred.argmax(1), CLASSES),
              "per_domain": classmetrics.per_group(y, pred.argmax(1), domains, k)}
    atomic.write_json(run / "scores.json", scores)
    atomic.write_json(run / "biases.json", {c: 0.1 for c in CLASSES})
    atomic.write_json(run / "config.json", {"runs_dir": str(root / "runs"), "submissions_dir": "subs", "seeds": [0]})
    return run


def test_korean_class_names_are_drawn_with_the_bundled_hangul_font(tmp_path):
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.figure import Figure
    from matplotlib.ft2font import FT2Font

    from compete.common.reports import confusion, fonts, plots
    from compete.competitions.pictogram.classes import CLASSES

    run = _pictogram_run(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = _read(write_report(run))
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []
    assert list(report.sections) == ["Scores", "Confusion matrix", "Scores per domain", "Scores per class",
                                     *COMMON[1:]]
    assert len(report.sections["Confusion matrix"]["images"]) == 1
    assert [r["domain"] for r in report.table("Scores per domain")] == ["ILLUSTRATION", "PICTOGRAM", "SKETCH"]
    assert [r["class"] for r in report.table("Scores per class")] == list(CLASSES)
    assert len(report.sections["Learning curves"]["images"]) == 2

    bundled = fonts.hangul_font()
    assert bundled.parent.parent.name == "koreanize_matplotlib" and "koreanize_matplotlib" not in sys.modules
    font = FT2Font(str(bundled))
    assert all(font.get_char_index(ord(c)) for c in "".join(CLASSES))  # a glyph for every letter: no boxes
    with plots.style():
        figure = Figure()
        confusion.draw(figure, np.eye(len(CLASSES), dtype=int), CLASSES)
        labels = figure.axes[0].get_yticklabels()
        assert Path(font_manager.findfont(font_manager.FontProperties(family=matplotlib.rcParams["font.family"]),
                                          fallback_to_default=False)) == bundled
    assert [t.get_text() for t in labels] == list(CLASSES)
    assert {Path(font_manager.findfont(t.get_fontproperties())) for t in labels} == {bundled}


def test_the_glyph_check_would_catch_boxes():
    """The same Hangul without the bundled font warns, so the check above is not vacuous."""
    import io

    import matplotlib
    from matplotlib.figure import Figure

    with warnings.catch_warnings(record=True) as caught, matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        warnings.simplefilter("always")
        figure = Figure()
        figure.subplots().set_title("귀걸이")
        figure.savefig(io.BytesIO(), format="png")
    assert any("missing from font" in str(w.message) for w in caught)


def test_a_run_folder_elsewhere_is_recognised_by_its_files(planet_run, imdb_run, tmp_path):
    from compete.common.reports import registry
    from compete.common.reports.folder import RunFolder

    moved = {name: shutil.copytree(run, tmp_path / "moved" / name)
             for name, run in (("planet", planet_run), ("imdb", imdb_run), ("pictogram", _pictogram_run(tmp_path)))}
    for name, run in moved.items():
        assert registry.kind_of(RunFolder(run)).name == name
    (moved["planet"] / "thresholds.json").unlink()
    assert registry.kind_of(RunFolder(moved["planet"])) is None
    assert list(_read(write_report(moved["planet"])).sections) == COMMON  # unknown: the common sections only


def _one_line(error: DataError, path: Path) -> str:
    text = str(error)
    assert "\n" not in text and text.startswith(str(path))
    return text


def test_a_missing_or_broken_run_folder_is_one_line_naming_it(tmp_path):
    with pytest.raises(DataError) as missing:
        write_report(tmp_path / "no-such-run")
    assert "no such run folder" in _one_line(missing.value, tmp_path / "no-such-run")
    unfinished = tmp_path / "runs" / "planet" / "unfinished"
    unfinished.mkdir(parents=True)
    (unfinished / "config.json").write_text("{}")
    with pytest.raises(DataError) as no_scores:
        write_report(unfinished)
    assert "no scores.json" in _one_line(no_scores.value, unfinished)
    run = _pictogram_run(tmp_path)
    (run / "oof.npz").write_bytes(b"not an npz")
    with pytest.raises(DataError) as broken:
        write_report(run)
    _one_line(broken.value, run / "oof.npz")
    (run / "scores.json").write_text("{ not json")
    with pytest.raises(DataError) as bad_json:
        write_report(run)
    assert "unreadable JSON" in _one_line(bad_json.value, run / "scores.json")
    assert not (run / "report.html").exists()


def test_importing_the_report_package_leaves_matplotlib_unloaded(tmp_path):
    code = "import sys, compete.common.reports; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_submit_writes_the_report_at_the_end_and_the_report_verb_writes_it_again(planet_run, capsys):
    report = planet_run / "report.html"
    first = _read(report)  # written by the fixture's `submit`, after the submission
    submitted = planet_run.parents[2] / "subs" / "planet" / "tiny.csv"
    assert first.sections["Submission"]["notes"][0].startswith(f"{submitted.resolve()} (recorded in submission.json)")
    report.unlink()
    capsys.readouterr()
    assert main(["planet", "report", "tiny", "--runs-dir", str(planet_run.parents[1])]) == 0
    assert f"report written: {report}" in capsys.readouterr().out
    assert list(_read(report).sections) == list(first.sections)
    report.unlink()
    assert main(["planet", "report", str(planet_run)]) == 0  # a run folder given by its path
    assert report.is_file()
    assert main(["planet", "report", "no-such-run", "--runs-dir", str(planet_run.parents[1])]) == 2
    assert "no such run folder" in capsys.readouterr().err


def test_a_unit_only_command_writes_no_report_and_cv_does(planet_sample, tmp_path):
    common = ["--data", str(planet_sample), "--runs-dir", str(tmp_path / "runs"), "--backbone", "tiny_cnn",
              "--weights", "none", "--image-size", "32", "--epochs", "1", "--n-splits", "2", "--tta", "1",
              "--run", "units", "-q"]
    run = tmp_path / "runs" / "planet" / "units"
    assert main(["planet", "cv", *common, "--unit", "seed0/fold0"]) == 0
    assert not (run / "report.html").exists()
    assert main(["planet", "cv", *common]) == 0
    written = _read(run / "report.html")
    assert list(written.sections) == ["Scores", "Thresholds per tag", *COMMON[1:]]
    assert written.sections["Submission"]["notes"][0].startswith("no submission written for this run")


def test_a_report_that_cannot_be_drawn_is_a_warning_not_a_failed_command(imdb_run, monkeypatch, log):
    from compete.common.reports import refresh
    from compete.common.reports import report as reports

    monkeypatch.setattr(reports, "build", lambda folder: (_ for _ in ()).throw(RuntimeError("no fonts today")))
    assert refresh(imdb_run) is None
    assert "report.html not written" in log.text and "no fonts today" in log.text


def test_the_pages_own_hangul_comes_with_an_embedded_font_of_just_those_letters():
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    from compete.common.reports import html

    korean = html.page("pictogram / run", "", [html.Section("Scores per class", [html.table([{"class": "가방"}])])])
    face = re.search(r'@font-face \{ font-family: "compete-hangul"; src: url\(data:font/ttf;base64,([^)]*)\)', korean)
    assert face and 'font-family: "compete-hangul", system-ui' in korean
    cmap = TTFont(io.BytesIO(base64.b64decode(face.group(1)))).getBestCmap()
    assert {0xAC00, 0xBC29} <= set(cmap) and len(cmap) < 10  # 가, 방: only the letters on the page
    latin = html.page("planet / run", "", [html.Section("Scores", [html.table([{"tag": "primary"}])])])
    assert "@font-face" not in latin
