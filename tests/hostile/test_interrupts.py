"""Ctrl-C at any moment: one clean line, exit 130, no traceback, no abort, no half-written file; a rerun resumes."""

import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from compete.pipelines.cli import INTERRUPTED

pytestmark = pytest.mark.heavy

TINY = ["--backbone", "tiny_cnn", "--weights", "none", "--image-size", "32", "--epochs", "3", "--n-splits", "3",
        "--tta", "2", "--batch-size", "16", "--run", "tiny", "--no-cache-images"]
# Moments from interpreter start-up through imports, data checks, training and prediction, jittered (seeded).
_RNG = random.Random(11)
MOMENTS = [round(base + _RNG.uniform(0, 0.5), 2) for base in (0.15, 0.7, 1.6, 3.0, 4.5, 6.0, 8.0)]


def _start(download, tmp_path, *extra):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.Popen([sys.executable, "-m", "compete.pipelines.cli", "planet", "submit", "--data",
                             str(download), "--runs-dir", str(tmp_path / "runs"), "--submissions-dir",
                             str(tmp_path / "subs"), *TINY, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


@pytest.mark.parametrize("moment", MOMENTS)
def test_an_interrupt_at_any_moment_ends_cleanly(planet_sample, tmp_path, moment):
    download = shutil.copytree(planet_sample, tmp_path / "data")
    process = _start(download, tmp_path)
    time.sleep(moment)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 130, (process.returncode, err[-2000:])
    assert err.strip().splitlines()[-1] == INTERRUPTED, err[-2000:]
    assert "Traceback" not in err and "terminate called" not in err, err[-2000:]
    leftovers = [str(p) for root in (tmp_path / "runs", tmp_path / "subs") if root.exists()
                 for p in root.rglob("*.tmp*")]
    assert leftovers == []
    assert not (tmp_path / "subs").exists() or all(p.stat().st_size > 0 for p in (tmp_path / "subs").rglob("*.csv"))


def test_a_rerun_after_an_interrupt_resumes_and_finishes(planet_sample, tmp_path):
    download = shutil.copytree(planet_sample, tmp_path / "data")
    shorter = ("--epochs", "1", "--n-splits", "2")  # only the moment matters here: once a unit is done
    process = _start(download, tmp_path, *shorter)
    run = tmp_path / "runs" / "planet" / "tiny"
    deadline = time.time() + 240
    while not list(run.glob("seed0/fold0/unit.json")):  # interrupt once the first unit is done
        assert process.poll() is None and time.time() < deadline
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=300)
    rerun = _start(download, tmp_path, *shorter)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err[-2000:]
    assert "(seed 0, fold 0): training on" not in out
    assert (tmp_path / "subs" / "planet" / "tiny.csv").exists()
