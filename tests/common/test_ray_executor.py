"""`--executor ray`: a run's units as Ray tasks give what the sequential run gives, even when a worker is killed."""

import json
import os
import signal
import threading
import time

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="--executor ray needs Ray (pip install 'compete[ray]')")

from compete.common.runs.artefacts import load_npz  # noqa: E402
from compete.common.runs.executors import Command  # noqa: E402
from compete.common.runs.ray_units import UnitError, _train_unit  # noqa: E402
from compete.competitions.cifar10 import layout, sample_data  # noqa: E402
from compete.pipelines.cli import main  # noqa: E402

pytestmark = pytest.mark.heavy

TINY = ["--backbone", "tiny_cnn", "--epochs", "1", "--n-splits", "2", "--batch-size", "32", "--optimizer", "adam",
        "--learning-rate", "0.003", "--lr-schedule", "constant", "--tta", "1", "--run", "tiny"]
UNITS = ("seed0/fold0", "seed0/fold1")
TOLERANCE = 1e-4  # one thread per Ray worker against this process's threads: sums may round differently


@pytest.fixture(scope="module", autouse=True)
def cluster():
    """One local Ray for the module; the executor joins it instead of starting its own."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return sample_data.generate(tmp_path_factory.mktemp("cifar-data"), n_train=60, n_test=20, seed=0)


def _cv(root, data, *extra) -> int:
    return main(["cifar10", "cv", "--data", str(data), "--runs-dir", str(root / "runs"), *TINY, *extra])


def _run(root):
    return root / "runs" / "cifar10" / "tiny"


@pytest.fixture(scope="module")
def sequential(data, tmp_path_factory):
    root = tmp_path_factory.mktemp("local")
    assert _cv(root, data) == 0
    return _run(root)


@pytest.fixture(scope="module")
def on_ray(data, tmp_path_factory):
    root = tmp_path_factory.mktemp("ray")
    assert _cv(root, data, "--executor", "ray") == 0
    return _run(root)


def _trained_by(run, unit) -> int:
    return json.loads((run / unit / "unit.json").read_text())["pid"]


def _same_predictions(run, reference) -> None:
    for name in ("oof.npz", "test.npz"):
        got, want = load_npz(run / name), load_npz(reference / name)
        assert got["ids"].tolist() == want["ids"].tolist()
        key = "oof" if name == "oof.npz" else "pred"
        np.testing.assert_allclose(got[key], want[key], atol=TOLERANCE)


def test_ray_units_give_the_sequential_predictions(on_ray, sequential):
    assert all(_trained_by(on_ray, unit) != os.getpid() for unit in UNITS)  # trained in Ray workers, not here
    assert all(_trained_by(sequential, unit) == os.getpid() for unit in UNITS)
    _same_predictions(on_ray, sequential)


def test_scores_are_assembled_in_the_driver(on_ray, sequential, data):
    scores, reference = (json.loads((run / "scores.json").read_text()) for run in (on_ray, sequential))
    train = layout.read_train(data)
    oof = load_npz(on_ray / "oof.npz")
    labels = dict(zip(train.ids.astype(str).tolist(), train.labels.tolist()))
    right = np.argmax(oof["oof"], axis=1) == [labels[i] for i in oof["ids"].tolist()]
    assert scores["oof_accuracy"] == pytest.approx(right.mean()) == pytest.approx(reference["oof_accuracy"])
    assert [(u["seed"], u["fold"], u["n_valid"]) for u in scores["units"]] == [(0, 0, 30), (0, 1, 30)]
    assert [u["oof_accuracy"] for u in scores["units"]] == pytest.approx([u["oof_accuracy"] for u in reference["units"]])
    assert scores["rows_scored"] == 60 and "CV OOF accuracy" in (on_ray / "log.txt").read_text()


def test_a_killed_worker_is_retried_and_its_unit_trained_again(data, sequential, tmp_path):
    lock = _run(tmp_path) / UNITS[0] / ".lock"
    killed = []

    def kill_the_first_holder():
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                holder = json.loads(lock.read_text() or "{}")
            except (OSError, ValueError):
                holder = {}
            if holder.get("role") == "unit" and holder.get("pid") != os.getpid():
                os.kill(holder["pid"], signal.SIGKILL)
                killed.append(holder["pid"])
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_the_first_holder, daemon=True)
    killer.start()
    assert _cv(tmp_path, data, "--executor", "ray") == 0
    killer.join()
    assert killed and _trained_by(_run(tmp_path), UNITS[0]) not in (killed[0], os.getpid())
    _same_predictions(_run(tmp_path), sequential)


def test_a_node_that_cannot_see_the_run_folder_says_so(tmp_path):
    command = Command("cifar10", {}, lambda settings, unit: None)
    with pytest.raises(UnitError, match="not visible on node .*needs a shared filesystem"):
        _train_unit(command, "seed0/fold0", str(tmp_path / "elsewhere"), {}, 20)
