"""IMDB end to end through the real CLI on the generated sample; bad input exits non-zero writing nothing; real data."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compete.pipelines.cli import main

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "popcorn"
TINY = ["--n-splits", "2", "--embedding-dim", "8", "--seq-len", "24", "--vocab-size", "300", "--rnn-units", "4",
        "--rnn-epochs", "1", "--w2v-epochs", "1", "--w2v-min-count", "2", "--w2v-max-reviews", "0", "--min-df", "1",
        "--w2v-batch-size", "512"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from compete.competitions.imdb import sample_data

    return sample_data.generate(tmp_path_factory.mktemp("popcorn"), n_labeled=240, n_test=60, n_unlabeled=300)


def test_sample_action_writes_the_popcorn_layout(tmp_path, capsys):
    assert main(["imdb", "sample", "--out", str(tmp_path / "s")]) == 0
    assert {p.name for p in (tmp_path / "s").iterdir()} == {
        "labeledTrainData.tsv", "testData.tsv", "unlabeledTrainData.tsv", "sampleSubmission.csv"}


def _dirs(tmp_path):
    return ["--runs-dir", str(tmp_path / "runs"), "--submissions-dir", str(tmp_path / "subs")]


def test_submit_end_to_end_writes_valid_submission_and_resumes(sample, tmp_path, capsys):
    args = ["imdb", "submit", "--data", str(sample), *_dirs(tmp_path), *TINY, "--models", "tfidf_lr,nbsvm,w2v_avg,lstm"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1].startswith("kaggle competitions submit -c word2vec-nlp-tutorial -f ")
    [csv] = list((tmp_path / "subs" / "imdb").glob("*.csv"))
    frame = pd.read_csv(csv, dtype={"id": str})
    test_ids = [line.split("\t")[0].strip('"') for line in (sample / "testData.tsv").read_text().splitlines()[1:]]
    assert list(frame.columns) == ["id", "sentiment"] and frame["id"].tolist() == test_ids
    assert frame["sentiment"].between(0, 1).all()
    assert not csv.read_text().splitlines()[1].startswith('"')
    [run] = [p for p in (tmp_path / "runs" / "imdb").iterdir() if p.name.startswith("2fold")]
    scores = json.loads((run / "scores.json").read_text())
    assert set(scores["models"]) == {"tfidf_lr", "nbsvm", "w2v_avg", "lstm"}
    assert scores["models"]["tfidf_lr"]["auc"] > 0.8 and scores["blend"]["auc"] > 0.8
    lstm = scores["models"]["lstm"]
    assert lstm["fold_auc_mean"] == pytest.approx(np.mean(lstm["fold_auc"])) and len(lstm["fold_auc"]) == 2
    assert f"(folds {lstm['fold_auc_mean']:.4f})" in out
    assert (run / "folds.csv").exists() and (run / "blend.json").exists() and (run / "config.json").exists()
    for name in scores["models"]:
        folder = run / scores["models"][name]["dir"]
        assert (folder / "oof.npy").exists() and (folder / "test.npy").exists() and (folder / "fold1" / "done.json").exists()
    # Labels in the test file would be a leak; rerunning resumes every fold and reproduces the submission.
    before = csv.read_text()
    assert main(args) == 0
    assert "already done" in capsys.readouterr().out and csv.read_text() == before


def test_review_id_is_never_a_feature(sample, tmp_path):
    """Shuffling which id goes with which review changes nothing in the OOF predictions."""
    from compete.pipelines.imdb import ImdbConfig, cross_validate

    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    lines = (sample / "labeledTrainData.tsv").read_text().splitlines()
    ids = [l.split("\t", 1)[0] for l in lines[1:]]
    rest = [l.split("\t", 1)[1] for l in lines[1:]]
    swapped = list(np.random.default_rng(0).permutation(ids))
    (shuffled / "labeledTrainData.tsv").write_text("\n".join([lines[0]] + [f"{i}\t{r}" for i, r in zip(swapped, rest)]) + "\n")
    results = []
    for data in (sample, shuffled):
        cfg = ImdbConfig(data=str(data), runs_dir=str(tmp_path / "runs"), models=["tfidf_lr"], n_splits=2, min_df=1)
        results.append(cross_validate(cfg, log=lambda *_: None).oof[:, 0])
    assert np.allclose(results[0], results[1])


def test_cv_without_test_file_and_word2vec_neighbours(sample, tmp_path, capsys):
    data = tmp_path / "no-test"
    data.mkdir()
    for name in ("labeledTrainData.tsv", "unlabeledTrainData.tsv"):
        (data / name).write_bytes((sample / name).read_bytes())
    assert main(["imdb", "cv", "--data", str(data), *_dirs(tmp_path), "--models", "tfidf_lr,nbsvm", "--n-splits", "2"]) == 0
    assert "without test predictions" in capsys.readouterr().out
    assert main(["imdb", "submit", "--data", str(data), *_dirs(tmp_path), "--models", "tfidf_lr", "--n-splits", "2"]) == 2
    assert "testData.tsv" in capsys.readouterr().err and not (tmp_path / "subs").exists()
    assert main(["imdb", "word2vec", "--data", str(data), *_dirs(tmp_path), *TINY, "--neighbours", "movie,zzz"]) == 0
    out = capsys.readouterr().out
    assert "movie" in out and "(not in the vocabulary)" in out


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("\t1\t", "\t7\t", 1), "sentiment '7'"),
    (lambda t: t.replace("id\tsentiment\treview", "id\tlabel\treview"), "missing column"),
    (lambda t: t + '"9999_1"\t1\t"a "stray" quote"\n', "line 242: malformed quoted field"),
])
def test_bad_input_exits_2_naming_file_and_writes_nothing(sample, tmp_path, capsys, edit, message):
    data = tmp_path / "bad"
    data.mkdir()
    for name in ("testData.tsv", "sampleSubmission.csv"):
        (data / name).write_bytes((sample / name).read_bytes())
    (data / "labeledTrainData.tsv").write_text(edit((sample / "labeledTrainData.tsv").read_text()))
    assert main(["imdb", "submit", "--data", str(data), *_dirs(tmp_path), "--models", "tfidf_lr"]) == 2
    err = capsys.readouterr().err
    assert "labeledTrainData.tsv" in err and message in err
    assert not (tmp_path / "subs").exists() and not (tmp_path / "runs").exists()


def test_unknown_model_is_rejected(sample, tmp_path, capsys):
    assert main(["imdb", "cv", "--data", str(sample), *_dirs(tmp_path), "--models", "bert"]) == 2
    assert "Unknown model(s) ['bert']; available: tfidf_lr, nbsvm, w2v_avg, lstm, gru" in capsys.readouterr().err


def test_real_data_tfidf_baseline_on_5000_reviews(tmp_path):
    if not REAL.is_dir():
        pytest.skip(f"real popcorn data not found at {REAL}")
    from compete.pipelines.imdb import ImdbConfig, cross_validate

    cfg = ImdbConfig(data=str(REAL), runs_dir=str(tmp_path / "runs"), models=["tfidf_lr"], limit_train=5000, n_splits=5)
    result = cross_validate(cfg, log=lambda *_: None)
    assert result.scores["models"]["tfidf_lr"]["auc"] > 0.92


def test_check_reports_counts_and_rejects_overlap(sample, tmp_path, capsys):
    assert main(["imdb", "check", "--data", str(sample)]) == 0
    out = capsys.readouterr().out
    assert "240 labeled reviews" in out and "300 unlabeled reviews" in out and "60 test reviews" in out
    data = tmp_path / "overlap"
    data.mkdir()
    for name in ("labeledTrainData.tsv", "testData.tsv", "sampleSubmission.csv"):
        (data / name).write_bytes((sample / name).read_bytes())
    labeled = (data / "labeledTrainData.tsv").read_text().splitlines()
    first_test_id = (data / "testData.tsv").read_text().splitlines()[1].split("\t")[0]
    labeled[1] = first_test_id + "\t" + labeled[1].split("\t", 1)[1]
    (data / "labeledTrainData.tsv").write_text("\n".join(labeled) + "\n")
    assert main(["imdb", "check", "--data", str(data)]) == 2
    assert "also in the labeled file" in capsys.readouterr().err
