"""The runs leaderboard on hand-made run folders: scores, progress, differences, and files it cannot read."""

import json

import pytest

from compete.common.runs import leaderboard
from compete.common.runs.leaderboard import COLUMNS, Headline

HEADLINES = {"planet": Headline("f2"), "imdb": Headline("blend.auc"), "loss": Headline("logloss", True)}


def _run(root, competition, name, *, config=None, scores=None, folds=3, seeds=(0,), done=None, seconds=2.0,
         holdout=False, unit_settings=None):
    """A run folder as the engine leaves it: run.json, fold columns, unit.json per done unit, the assembly."""
    path = root / competition / name
    path.mkdir(parents=True)
    (path / "run.json").write_text('{"format": 2}')
    for seed in seeds:
        (path / f"seed{seed}").mkdir()
        column = [0] * 4 + [-1] * 6 if holdout else [i % folds for i in range(12)]
        (path / f"seed{seed}" / "folds.csv").write_text("id,fold\n" + "".join(f"r{i},{f}\n"
                                                                             for i, f in enumerate(column)))
        for fold in sorted(set(column) - {-1}):
            if done is None or (seed, fold) in done:
                unit = path / f"seed{seed}" / f"fold{fold}"
                unit.mkdir()
                (unit / "unit.json").write_text(json.dumps({"seconds": seconds, "settings": unit_settings or {}}))
    if config is not None:
        (path / "config.json").write_text(config if isinstance(config, str) else json.dumps(config))
    if scores is not None:
        (path / "scores.json").write_text(scores if isinstance(scores, str) else json.dumps(scores))
    return path


def _config(**changes):
    return {"data": "/somewhere", "run": "x", "runs_dir": "runs", "submissions_dir": "subs", "backbone": "tiny_cnn",
            "image_size": 32, "learning_rate": 0.001, "seeds": [0], "n_splits": 3, **changes}


def test_one_row_per_run_best_score_first_with_progress_and_time(tmp_path):
    _run(tmp_path, "planet", "low", config=_config(), scores={"f2": 0.5})
    _run(tmp_path, "planet", "high", config=_config(), scores={"f2": 0.7}, seconds=61.5)
    _run(tmp_path, "planet", "half", done={(0, 0)})
    rows = leaderboard.rows(tmp_path, "planet", HEADLINES)
    assert [r["run"] for r in rows] == ["high", "low", "half"]
    high = rows[0]
    assert (high["score"], high["metric"], high["backbone"], high["image_size"]) == (0.7, "f2", "tiny_cnn", 32)
    assert (high["seeds"], high["folds"], high["units_done"], high["units_total"], high["seconds"]) == \
        (1, 3, 3, 3, 184.5)
    assert (rows[2]["score"], rows[2]["units_done"], rows[2]["units_total"]) == (None, 1, 3)
    lines = leaderboard.table(rows).splitlines()
    assert lines[0].split() == ["competition", "run", "metric", "score", "backbone", "size", "seeds", "x", "folds",
                                "units", "time", "submission", "differs"]
    assert lines[1].split()[:10] == ["planet", "high", "f2", "0.7000", "tiny_cnn", "32", "1x3", "3/3", "3m04s", "-"]
    assert lines[3].split()[:4] == ["planet", "half", "f2", "-"] and " 1/3 " in lines[3]
    start = lines[0].index("units")
    assert [line[start:start + 3] for line in lines[1:]] == ["3/3", "3/3", "1/3"]  # aligned


def test_differs_shows_only_the_settings_that_differ_and_never_where_things_are(tmp_path):
    _run(tmp_path, "planet", "a", config=_config(learning_rate=0.01, data="/a", runs_dir="r1"), scores={"f2": 0.1})
    _run(tmp_path, "planet", "b", config=_config(learning_rate=0.1, data="/b", submissions_dir="s2"),
         scores={"f2": 0.2})
    _run(tmp_path, "planet", "c", done={(0, 1)}, unit_settings={"learning_rate": 0.5, "backbone": "tiny_cnn"})
    rows = {r["run"]: r for r in leaderboard.rows(tmp_path, "planet", HEADLINES)}
    assert rows["a"]["differs"] == {"learning_rate": 0.01}
    assert rows["b"]["differs"] == {"learning_rate": 0.1}
    assert rows["c"]["differs"] == {"learning_rate": 0.5}  # not assembled yet: compared on its units' settings
    assert rows["c"]["backbone"] == "tiny_cnn"
    assert "learning_rate=0.01" in leaderboard.table(list(rows.values()))


def test_folders_that_are_not_runs_are_skipped_and_broken_files_show_a_question_mark(tmp_path):
    _run(tmp_path, "planet", "good", config=_config(), scores={"f2": 0.4})
    _run(tmp_path, "planet", "bad-config", config="{not json", scores={"f2": 0.3})
    _run(tmp_path, "planet", "bad-scores", config=_config(), scores="[1, 2")
    _run(tmp_path, "planet", "list-config", config="[1, 2]", scores={"f2": 0.2})
    (tmp_path / "planet" / "notes").mkdir()
    (tmp_path / "planet" / "notes" / "readme.txt").write_text("not a run")
    (tmp_path / "planet" / "stray.txt").write_text("a file")
    (tmp_path / "planet" / "good" / "seed0" / "fold2" / "unit.json").write_text("{broken")
    rows = leaderboard.rows(tmp_path, None, HEADLINES)
    by_run = {r["run"]: r for r in rows}
    assert sorted(by_run) == ["bad-config", "bad-scores", "good", "list-config"]
    assert by_run["good"]["units_done"] == 2  # a unit.json that cannot be read is not done
    assert by_run["bad-config"]["unreadable"] == ["config.json"] and by_run["bad-config"]["score"] == 0.3
    assert by_run["bad-scores"]["unreadable"] == ["scores.json"] and by_run["bad-scores"]["score"] is None
    text = {line.split()[1]: line.split() for line in leaderboard.table(rows).splitlines()[1:]}
    assert text["bad-config"][4:6] == ["?", "?"] and text["bad-config"][-1] == "?"
    assert text["bad-scores"][3] == "?" and text["good"][3] == "0.4000"
    assert text["list-config"][4] == "?"


def test_all_competitions_are_grouped_and_each_ranked_its_own_way(tmp_path):
    _run(tmp_path, "planet", "p1", config=_config(), scores={"f2": 0.9})
    _run(tmp_path, "loss", "small", config=_config(), scores={"logloss": 0.2})
    _run(tmp_path, "loss", "big", config=_config(), scores={"logloss": 0.8})
    _run(tmp_path, "unknown", "u1", config=_config(), scores={"x": 1})
    (tmp_path / ".cache").mkdir()
    rows = leaderboard.rows(tmp_path, None, HEADLINES)
    assert [(r["competition"], r["run"]) for r in rows] == [("loss", "small"), ("loss", "big"), ("planet", "p1"),
                                                            ("unknown", "u1")]
    assert rows[-1]["metric"] is None and rows[-1]["score"] is None
    assert leaderboard.rows(tmp_path / "nowhere", None, HEADLINES) == []
    assert leaderboard.rows(tmp_path, "planet-x", HEADLINES) == []


def test_nested_scores_holdouts_and_runs_of_several_models(tmp_path):
    run = _run(tmp_path, "imdb", "blend", config=_config(models=["a", "b"], seeds=[0, 1]),
               scores={"blend": {"auc": 0.93}}, seeds=(0, 1), done=set())
    for model in ("a-0000aaaa", "b-0000bbbb", "c-0000cccc"):  # c: a model no longer in the settings
        for seed in (0, 1):
            for fold in range(3):
                unit = run / "models" / model / f"seed{seed}" / f"fold{fold}"
                unit.mkdir(parents=True)
                if not (model.startswith("b") and seed == 1 and fold == 2):
                    (unit / "unit.json").write_text('{"seconds": 1}')
    _run(tmp_path, "cifar", "holdout", config=_config(holdout=0.2), scores={"acc": 0.5}, holdout=True)
    imdb = leaderboard.rows(tmp_path, "imdb", HEADLINES)[0]
    assert (imdb["score"], imdb["seeds"], imdb["folds"], imdb["units_done"], imdb["units_total"]) == \
        (0.93, 2, 3, 11, 12)
    cifar = leaderboard.rows(tmp_path, "cifar", {"cifar": "acc"})[0]
    assert (cifar["score"], cifar["folds"], cifar["units_done"], cifar["units_total"]) == (0.5, 1, 1, 1)


def test_json_has_the_same_rows_as_the_table(tmp_path):
    _run(tmp_path, "planet", "a", config=_config(learning_rate=0.01), scores={"f2": 0.1})
    _run(tmp_path, "planet", "b", config=_config(learning_rate=0.1), scores={"f2": 0.2})
    rows = leaderboard.rows(tmp_path, "planet", HEADLINES)
    parsed = json.loads(leaderboard.as_json(rows))
    assert parsed == rows
    assert [line.split()[1] for line in leaderboard.table(rows).splitlines()[1:]] == [r["run"] for r in parsed]
    assert len(COLUMNS) == 11


@pytest.mark.parametrize("seconds, text", [(0.4, "0s"), (59, "59s"), (60, "1m00s"), (3725, "1h02m")])
def test_time_reads_like_the_progress_lines(seconds, text):
    assert leaderboard._clock(seconds) == text
