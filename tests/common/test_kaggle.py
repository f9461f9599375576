"""Kaggle in and out through a fake API serving real archives: download and safe unpacking, uploads, one-line errors.

The fake serves files under the real download's names, built from the built-in sample
generators (small real zip, tar and 7z archives of tiny images and CSVs in the real layout).
"""

import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from compete.common import submission
from compete.common.errors import DataError
from compete.common.io import unpack
from compete.common.kaggle import client
from compete.common.kaggle.client import KaggleError
from compete.common.kaggle.download import STAGING, download
from compete.pipelines.cli import main

py7zr = pytest.importorskip("py7zr")  # the `kaggle` extra


class HTTPError(Exception):
    """What the Kaggle library raises for a refused request: an exception carrying the HTTP response."""

    def __init__(self, status):
        super().__init__(f"{status} Client Error")
        self.response = SimpleNamespace(status_code=status, reason="Forbidden" if status == 403 else "")


class FakeKaggle:
    """Serves the files of folder `served` as Kaggle does: listed two per page, downloaded one by one
    (those in `compressed` arrive zipped as NAME.zip, as Kaggle compresses large files on the way)."""

    def __init__(self, served: Path, compressed=(), fail_on=None, error=None):
        self.served, self.compressed, self.fail_on, self.error = served, set(compressed), fail_on, error
        self.downloads, self.submissions = [], []

    def competition_list_files(self, competition, page_token=None, page_size=20):
        names = sorted(p.name for p in self.served.iterdir())
        start = int(page_token or 0)
        files = [SimpleNamespace(name=n, total_bytes=(self.served / n).stat().st_size) for n in names[start:start + 2]]
        return SimpleNamespace(files=files, next_page_token=str(start + 2) if start + 2 < len(names) else "")

    def competition_download_file(self, competition, file_name, path=None, force=False, quiet=False):
        self.downloads.append(file_name)
        source, out = self.served / file_name, Path(path) / file_name
        if file_name == self.fail_on:
            out.write_bytes(source.read_bytes()[:100])  # the connection drops half-way
            raise self.error
        if file_name in self.compressed:
            with zipfile.ZipFile(f"{out}.zip", "w") as archive:
                archive.write(source, file_name)
        else:
            shutil.copyfile(source, out)

    def competition_submit(self, file_name, message, competition, quiet=False):
        self.submissions.append((file_name, message, competition))
        return SimpleNamespace(message="Successfully submitted to the competition", ref=4242)


def _zip(path, members: dict) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, source in members.items():
            archive.write(source, name)
    return path


def _tar(path, folder: Path, arcname: str) -> Path:
    with tarfile.open(path, "w") as archive:
        archive.add(folder, arcname=arcname)
    return path


def _seven(path, source: Path, arcname: str) -> Path:
    with py7zr.SevenZipFile(path, "w") as archive:
        (archive.writeall if source.is_dir() else archive.write)(source, arcname)
    return path


def _tar_7z(served: Path, folder: Path, work: Path) -> None:
    """`<folder>.tar.7z`: a 7z holding a tar of `<folder>/...`, as Planet's image archives are."""
    inner = _tar(work / f"{folder.name}.tar", folder, folder.name)
    _seven(served / f"{folder.name}.tar.7z", inner, inner.name)


def _planet(root: Path) -> Path:
    from compete.competitions.planet import sample_data

    src = sample_data.generate(root / "src", n_train=12, n_test=4, n_test_additional=3, image_size=16)
    served = root / "kaggle"
    served.mkdir()
    for name in ("train_v2.csv", "sample_submission_v2.csv"):
        _zip(served / f"{name}.zip", {name: src / name})
    for folder in ("train-jpg", "test-jpg", "test-jpg-additional"):
        _tar_7z(served, src / folder, root)
    (served / "train-tif-v2.tar.7z").write_bytes(b"tens of gigabytes the reader never uses")
    return served


def _cifar10(root: Path) -> Path:
    from compete.competitions.cifar10 import sample_data

    src = sample_data.generate(root / "src", n_train=20, n_test=10)
    served = root / "kaggle"
    served.mkdir()
    for name in ("trainLabels.csv", "sampleSubmission.csv"):
        shutil.copyfile(src / name, served / name)
    for folder in ("train", "test"):
        _seven(served / f"{folder}.7z", src / folder, folder)
    return served


def _imdb(root: Path) -> Path:
    from compete.competitions.imdb import sample_data

    src = sample_data.generate(root / "src", n_labeled=40, n_test=10, n_unlabeled=20)
    served = root / "kaggle"
    served.mkdir()
    for name in ("labeledTrainData.tsv", "unlabeledTrainData.tsv", "testData.tsv"):
        _zip(served / f"{name}.zip", {name: src / name})
    shutil.copyfile(src / "sampleSubmission.csv", served / "sampleSubmission.csv")
    return served


SERVED = {"planet": _planet, "cifar10": _cifar10, "imdb": _imdb}
LAYOUT = {"planet": ["sample_submission_v2.csv", "test-jpg", "test-jpg-additional", "train-jpg", "train_v2.csv"],
          "cifar10": ["sampleSubmission.csv", "test", "train", "trainLabels.csv"],
          "imdb": ["labeledTrainData.tsv.zip", "sampleSubmission.csv", "testData.tsv.zip",
                   "unlabeledTrainData.tsv.zip"]}


def _serve(monkeypatch, fake: FakeKaggle) -> FakeKaggle:
    monkeypatch.setattr(client, "api", lambda: fake)
    return fake


def _cli(argv, capsys):
    """`compete ...` through main: (exit code, stdout, stderr)."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("competition", sorted(SERVED))
def test_download_unpacks_the_real_file_names_into_the_layout_the_reader_accepts(competition, tmp_path,
                                                                                  monkeypatch, log):
    fake = _serve(monkeypatch, FakeKaggle(SERVED[competition](tmp_path), compressed={"sampleSubmission.csv"}))
    data = download(competition, tmp_path / "data")
    assert sorted(p.name for p in data.iterdir()) == LAYOUT[competition]
    assert "train-tif-v2.tar.7z" not in fake.downloads
    assert "wrote " in log.text and f"checked with the {competition} reader" in log.text
    if competition == "planet":
        assert sorted(os.listdir(data / "train-jpg"))[:2] == ["train_0.jpg", "train_1.jpg"]
    assert main([competition, "check", "--data", str(data)]) == 0


def test_files_already_present_and_complete_are_kept_unless_forced(tmp_path, monkeypatch):
    fake = _serve(monkeypatch, FakeKaggle(_cifar10(tmp_path)))
    data = download("cifar10", tmp_path / "data")
    (data / "sampleSubmission.csv").write_text("id,label\n")  # cut short: not the size Kaggle lists
    fake.downloads.clear()
    download("cifar10", data)
    assert fake.downloads == ["sampleSubmission.csv"]
    fake.downloads.clear()
    download("cifar10", data, force=True)
    assert sorted(fake.downloads) == ["sampleSubmission.csv", "test.7z", "train.7z", "trainLabels.csv"]


def test_download_through_the_cli_says_what_was_written(tmp_path, monkeypatch, capsys):
    _serve(monkeypatch, FakeKaggle(_imdb(tmp_path)))
    code, out, err = _cli(["imdb", "download", "--data", str(tmp_path / "data")], capsys)
    assert code == 0, err
    assert "wrote labeledTrainData.tsv.zip" in out and "40 labelled, 20 unlabelled and 10 test reviews" in out


def test_the_pictogram_set_is_not_on_kaggle(tmp_path, monkeypatch, capsys):
    with pytest.raises(KaggleError, match="not on Kaggle"):
        download("pictogram", tmp_path / "data")
    code, _, err = _cli(["pictogram", "download", "--data", str(tmp_path / "data")], capsys)
    assert code != 0 and "not on Kaggle" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "data").exists()


def _evil_tar_7z(served: Path, tmp_path: Path, member: str) -> None:
    """train-jpg.tar.7z whose tar holds one chip and `member` (a path climbing out of the data folder)."""
    inner = tmp_path / "train-jpg.tar"
    with tarfile.open(inner, "w") as archive:
        archive.add(tmp_path / "src" / "train-jpg" / "train_0.jpg", "train-jpg/train_0.jpg")
        payload = b"escaped"
        info = tarfile.TarInfo(member)
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    _seven(served / "train-jpg.tar.7z", inner, inner.name)


def _nothing_written(data: Path, pattern: str) -> None:
    """No layout in `data`, and nothing of the refused archive anywhere in it (not even kept for a rerun)."""
    assert [p.name for p in data.iterdir()] in ([], [STAGING])
    assert not list(data.rglob(pattern))


ABSOLUTE = Path("/tmp/compete-test-escaped.jpg")


@pytest.mark.parametrize("member", ["../../escaped.jpg", str(ABSOLUTE), "train-jpg/../../../escaped.jpg"])
def test_a_member_leading_out_of_the_folder_is_refused_naming_archive_and_member(member, tmp_path, monkeypatch,
                                                                                  capsys):
    served = _planet(tmp_path)
    _evil_tar_7z(served, tmp_path, member)
    _serve(monkeypatch, FakeKaggle(served))
    data = tmp_path / "data"
    with pytest.raises(DataError) as error:
        download("planet", data)
    message = str(error.value)
    assert "train-jpg.tar.7z: train-jpg.tar" in message and repr(member) in message and "outside" in message
    _nothing_written(data, "*.jpg")
    assert not list(tmp_path.rglob("escaped*")) and not ABSOLUTE.exists()
    code, _, err = _cli(["planet", "download", "--data", str(data)], capsys)
    assert code == 2 and repr(member) in err and len(err.strip().splitlines()) == 1


def test_links_in_an_archive_are_refused(tmp_path, monkeypatch):
    served = _planet(tmp_path)
    with zipfile.ZipFile(served / "train_v2.csv.zip", "w") as archive:
        info = zipfile.ZipInfo("train_v2.csv")
        info.external_attr = 0o120777 << 16  # a symbolic link to /etc/passwd
        archive.writestr(info, "/etc/passwd")
    _serve(monkeypatch, FakeKaggle(served))
    with pytest.raises(DataError, match="train_v2.csv.zip: member 'train_v2.csv' is a link"):
        download("planet", tmp_path / "data")
    _nothing_written(tmp_path / "data", "train_v2.csv")


def _declares(path: Path, size: int) -> None:
    """Rewrite the uncompressed size a zip's central directory declares for its one member."""
    raw = bytearray(path.read_bytes())
    at = raw.rindex(b"PK\x01\x02")
    raw[at + 24:at + 28] = size.to_bytes(4, "little")
    path.write_bytes(bytes(raw))


def test_an_archive_bomb_is_refused_before_anything_is_unpacked(tmp_path, monkeypatch):
    served = _planet(tmp_path)
    _declares(served / "train_v2.csv.zip", 0xFFFFFFF0)
    _serve(monkeypatch, FakeKaggle(served))
    with pytest.raises(DataError, match="train_v2.csv.zip: declares 4,294,967,280 bytes .* archive bomb"):
        download("planet", tmp_path / "data")
    _nothing_written(tmp_path / "data", "train_v2.csv")


def test_too_many_members_or_bytes_for_the_competition_limits_are_refused(tmp_path, monkeypatch):
    import compete.competitions.cifar10.download as facts

    small = replace(facts.PLAN, files=tuple(replace(r, limits=unpack.Limits(10_000, 5)) if r.folder else r
                                            for r in facts.PLAN.files))
    monkeypatch.setattr(facts, "PLAN", small)
    _serve(monkeypatch, FakeKaggle(_cifar10(tmp_path)))
    with pytest.raises(DataError, match="holds more than the 5 members allowed"):
        download("cifar10", tmp_path / "data")
    _nothing_written(tmp_path / "data", "*.png")


@pytest.mark.parametrize("kind", ["zip", "tar", "7z"])
def test_bytes_beyond_what_the_headers_declare_are_stopped_while_writing(kind, tmp_path, monkeypatch):
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "zeros.bin").write_bytes(bytes(50_000))
    archive = {"zip": lambda p: _zip(p, {"big/zeros.bin": tmp_path / "big" / "zeros.bin"}),
               "tar": lambda p: _tar(p, tmp_path / "big", "big"),
               "7z": lambda p: _seven(p, tmp_path / "big", "big")}[kind](tmp_path / f"a.{kind}")
    monkeypatch.setattr(unpack, "judge", lambda *args: None)  # as if the headers had lied
    with pytest.raises(DataError, match="unpacks to more than the 10,000 bytes allowed"):
        unpack.extract(archive, tmp_path / "out", unpack.Limits(10_000, 10))


@pytest.mark.parametrize("error", [KeyboardInterrupt(), ConnectionError("connection reset")])
def test_an_interrupted_download_leaves_no_partial_layout_and_a_rerun_resumes(error, tmp_path, monkeypatch):
    fake = _serve(monkeypatch, FakeKaggle(_planet(tmp_path), fail_on="test-jpg.tar.7z", error=error))
    data = tmp_path / "data"
    with pytest.raises(type(error)):
        download("planet", data)
    assert [p.name for p in data.iterdir()] == [STAGING]
    fake.fail_on, fake.downloads = None, []
    download("planet", data)
    assert sorted(fake.downloads) == ["test-jpg-additional.tar.7z", "test-jpg.tar.7z"]  # the rest was ready
    assert sorted(p.name for p in data.iterdir()) == LAYOUT["planet"]


def test_a_competition_whose_rules_are_not_accepted_is_one_line_saying_so(tmp_path, monkeypatch):
    _serve(monkeypatch, FakeKaggle(_imdb(tmp_path), fail_on="labeledTrainData.tsv.zip", error=HTTPError(403)))
    with pytest.raises(KaggleError, match="accept the competition's rules at "
                                          "https://www.kaggle.com/competitions/word2vec-nlp-tutorial/rules"):
        download("imdb", tmp_path / "data")


def test_without_the_kaggle_package_the_error_says_how_to_install_it(monkeypatch):
    for name in ("kaggle", "kaggle.api", "kaggle.api.kaggle_api_extended"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(KaggleError, match=r"not installed: pip install 'compete\[kaggle\]'"):
        client.api()


@pytest.mark.skipif(importlib.util.find_spec("kaggle") is None, reason="the kaggle extra is not installed")
def test_missing_credentials_are_one_line_saying_how_to_set_them(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAGGLE_")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / ".config"))
    code = "from compete.common.kaggle import client\ntry:\n    client.api()\nexcept client.KaggleError as e:\n    print(e)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("no Kaggle credentials:") and len(done.stdout.strip().splitlines()) == 1
    assert "~/.kaggle/kaggle.json" in done.stdout and "KAGGLE_USERNAME and KAGGLE_KEY" in done.stdout


def test_kaggle_submit_uploads_the_file_with_the_slug_and_the_message(tmp_path, monkeypatch, log):
    fake = _serve(monkeypatch, FakeKaggle(tmp_path))
    path = tmp_path / "run.csv"
    path.write_text("id,label\n1,cat\n")
    submission.suggest_upload("cifar-10", path, "demo CV accuracy 0.8123", tmp_path, upload=True)
    assert fake.submissions == [(str(path), "demo CV accuracy 0.8123", "cifar-10")]
    assert "Successfully submitted" in log.text and "kaggle competitions submit" not in log.text
    submission.suggest_upload("cifar-10", path, "demo CV accuracy 0.8123", tmp_path)
    assert len(fake.submissions) == 1 and "kaggle competitions submit -c cifar-10" in log.text


class Trained(Exception):
    """Raised in place of training: reaching it means the submit was not refused before training."""


def _no_training(monkeypatch, pipeline, done=None):
    def cross_validate(cfg, **kwargs):
        if done is None:
            raise Trained()
        return done(cfg)

    monkeypatch.setattr(pipeline, "cross_validate", cross_validate)


def _run_folder(cfg) -> Path:
    """The folder a run named demo would have (its submission is recorded there)."""
    folder = Path(cfg.runs_dir) / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _planet_done(cfg):
    from compete.competitions.planet import layout
    from compete.pipelines.planet import CVResult

    ids = layout.read_test(cfg.data).ids
    scores = np.random.default_rng(0).random((len(ids), 17))
    return CVResult(_run_folder(cfg), {"f2_per_class_thresholds_held_out": 0.9239}, np.full(17, 0.5),
                    None, scores, np.array(ids), [])


def _cifar10_done(cfg):
    from compete.competitions.cifar10 import layout
    from compete.pipelines.cifar10 import CVResult

    test = layout.read_kaggle_test(cfg.data)
    scores = np.random.default_rng(0).random((len(test.ids), 10))
    return CVResult(_run_folder(cfg), {"oof_accuracy": 0.8123}, None, scores, test.ids, test, [])


TINY = {"planet": ["--backbone", "small_cnn", "--weights", "none"], "cifar10": []}


@pytest.mark.parametrize("competition, done, score", [("planet", _planet_done, "CV F2 0.9239"),
                                                      ("cifar10", _cifar10_done, "CV accuracy 0.8123")])
def test_submit_with_kaggle_submit_uploads_the_checked_csv_with_its_cv_score(competition, done, score, tmp_path,
                                                                             monkeypatch, capsys):
    import importlib

    served = SERVED[competition](tmp_path)
    fake = _serve(monkeypatch, FakeKaggle(served))
    data = download(competition, tmp_path / "data")
    _no_training(monkeypatch, importlib.import_module(f"compete.pipelines.{competition}"), done)
    code = main([competition, "submit", "--data", str(data), "--kaggle-submit", *TINY[competition],
                 "--runs-dir", str(tmp_path / "runs"), "--submissions-dir", str(tmp_path / "s")])
    out, err = capsys.readouterr()
    assert code == 0, err
    [(file_name, message, slug)] = fake.submissions
    assert file_name == str(tmp_path / "s" / competition / "demo.csv") and Path(file_name).is_file()
    assert slug == {"planet": "planet-understanding-the-amazon-from-space", "cifar10": "cifar-10"}[competition]
    assert message == f"demo {score}" and "Kaggle answered: Successfully submitted" in out
    recorded = json.loads((tmp_path / "runs" / "demo" / "submission.json").read_text())
    assert recorded == {"path": file_name, "rows": len(pd.read_csv(file_name))}


def test_kaggle_submit_is_refused_for_the_sample_before_any_training(tmp_path, monkeypatch, capsys):
    import compete.pipelines.planet as planet
    from compete.pipelines.registry import get

    fake = _serve(monkeypatch, FakeKaggle(tmp_path))
    sample = get("planet").make_sample(tmp_path / "sample")
    with pytest.raises(DataError, match="built-in sample"):
        submission.check_upload("planet", sample, True)
    with pytest.raises(DataError, match="built-in sample"):
        submission.suggest_upload("planet-understanding-the-amazon-from-space", tmp_path / "x.csv", "m", sample,
                                  upload=True)
    _no_training(monkeypatch, planet)
    code = main(["planet", "submit", "--data", str(sample), "--kaggle-submit", *TINY["planet"],
                 "--runs-dir", str(tmp_path / "runs")])  # Trained is raised if training was reached
    err = capsys.readouterr().err
    assert code == 2 and "built-in sample" in err and len(err.strip().splitlines()) == 1
    assert fake.submissions == []


def test_the_early_upload_check_refuses_what_cannot_be_uploaded(tmp_path, monkeypatch):
    submission.check_upload("pictogram", tmp_path, False)  # no upload asked: nothing checked
    with pytest.raises(KaggleError, match="not on Kaggle"):
        submission.check_upload("pictogram", tmp_path, True)
    monkeypatch.setattr(client, "api", lambda: (_ for _ in ()).throw(KaggleError("no Kaggle credentials: ...")))
    with pytest.raises(KaggleError, match="no Kaggle credentials"):
        submission.check_upload("imdb", tmp_path, True)
