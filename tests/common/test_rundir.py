"""Run names: the same settings name the same run, whichever way the data folder is typed."""

import os
from dataclasses import replace

import pytest

from compete.common.config import ImageCVConfig
from compete.common.errors import DataError
from compete.common.runs.rundir_REMOVED import RunDir, default_name


def test_relative_and_absolute_data_paths_name_one_run(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path)
    relative = ImageCVConfig(data="data")
    assert default_name(relative) == default_name(replace(relative, data=str(tmp_path / "data")))
    assert default_name(relative) == default_name(replace(relative, data=os.path.join("other", "..", "data")))
    assert default_name(relative) != default_name(replace(relative, data="other"))


def test_a_named_run_accepts_the_same_data_typed_otherwise_and_refuses_other_data(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    cfg = ImageCVConfig(data="data", run="mine", runs_dir=str(tmp_path / "runs"))
    run = RunDir(cfg.runs_dir, "x", cfg)
    run.record_config(cfg)
    (run.unit(0, 0)).mkdir(parents=True)
    (run.unit(0, 0) / "done.json").write_text("{}")
    RunDir(cfg.runs_dir, "x", cfg).record_config(replace(cfg, data=str(tmp_path / "data")))
    with pytest.raises(DataError, match="other settings"):
        RunDir(cfg.runs_dir, "x", cfg).record_config(replace(cfg, data="elsewhere"))
