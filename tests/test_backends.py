"""Every pipeline cross-validates under KERAS_BACKEND=jax, without TensorFlow, to about the score it gets on TensorFlow.

Each backend runs in its own process on the built-in samples in the real layouts. Under JAX an
import hook refuses `tensorflow`, so any path that still needs it fails. The default suite runs
every pipeline once under JAX with the smallest settings (a minute); the comparison with
TensorFlow at the demo's recipe, shortened (fewer folds and epochs), takes about twelve minutes
on 2 cores and is marked slow (`pytest -m slow tests/test_backends.py`). Scores differ between
backends only through random initialisation and float round-off, so each competition gets a
tolerance on its headline CV score.
"""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = [pytest.mark.heavy, pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                                                    reason="JAX not installed (pip install -e '.[jax]')")]

# The demo's recipe with fewer folds and epochs; the sample data is the demo's.
SHORTER = {
    "planet": dict(n_splits=3, epochs=4, tta=2),
    "cifar10": dict(n_splits=2, epochs=3, tta=1),
    "pictogram": dict(n_splits=2, epochs=6, image_size=48, tta=1),
    "imdb": dict(n_splits=2, rnn_epochs=2, w2v_epochs=2),
}
# The smallest run of each pipeline that still goes through all of its code: every model kind, the report's inputs.
SMALLEST = {
    "planet": dict(n_splits=2, epochs=1, tta=2, backbone="tiny_cnn", image_size=32),
    "cifar10": dict(n_splits=2, epochs=1, tta=2, backbone="tiny_cnn"),
    "pictogram": dict(n_splits=2, epochs=1, image_size=32, tta=1, backbone="tiny_cnn"),
    "imdb": dict(n_splits=2, rnn_epochs=1, w2v_epochs=1),
}
# Largest allowed |JAX - TensorFlow| of each headline score (F2, accuracy, macro-F1, AUC).
TOLERANCE = {"planet": 0.03, "cifar10": 0.06, "pictogram": 0.12, "imdb": 0.03}

RUNNER = textwrap.dedent("""
    import json, os, sys
    if os.environ["KERAS_BACKEND"] != "tensorflow":
        class NoTensorFlow:
            def find_spec(self, name, path=None, target=None):
                if name == "tensorflow" or name.startswith("tensorflow."):
                    raise ImportError(name + " refused: nothing may need TensorFlow under another backend")
        sys.meta_path.insert(0, NoTensorFlow())
    import compete
    from compete.common.runs.leaderboard import _lookup
    from compete.pipelines import registry

    root, shorter, out = sys.argv[1], json.loads(sys.argv[2]), {}
    for name, overrides in shorter.items():
        pipeline, data = registry.get(name), os.path.join(root, "data", name)
        if not os.path.isdir(data):
            pipeline.make_sample(data)
        cfg = compete.settings(name, data=data, runs_dir=os.path.join(root, os.environ["KERAS_BACKEND"]),
                               **{**pipeline.demo, **overrides, "run": "backends"})
        pipeline.call("cv", cfg)
        with open(os.path.join(cfg.runs_dir, name, cfg.run, "scores.json")) as handle:
            out[name] = _lookup(json.load(handle), pipeline.headline)
    out["tensorflow imported"] = "tensorflow" in sys.modules
    print("SCORES " + json.dumps(out))
""")


def _cross_validate(backend: str, root, settings=SHORTER) -> dict:
    env = {**os.environ, "KERAS_BACKEND": backend, "JAX_PLATFORMS": "cpu", "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run([sys.executable, "-c", RUNNER, str(root), json.dumps(settings)], env=env,
                          capture_output=True, text=True, timeout=1200)
    lines = [line for line in done.stdout.splitlines() if line.startswith("SCORES ")]
    assert done.returncode == 0 and lines, f"{backend} run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads(lines[-1].removeprefix("SCORES "))


def test_every_pipeline_cross_validates_under_jax_without_tensorflow(tmp_path):
    found = _cross_validate("jax", tmp_path, SMALLEST)
    assert found.pop("tensorflow imported") is False
    assert sorted(found) == sorted(SMALLEST) and all(0 <= score <= 1 for score in found.values()), found


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    root = tmp_path_factory.mktemp("backends")
    return {backend: _cross_validate(backend, root) for backend in ("tensorflow", "jax")}


@pytest.mark.slow
def test_jax_runs_every_pipeline_without_tensorflow(scores):
    assert scores["jax"]["tensorflow imported"] is False
    assert scores["tensorflow"]["tensorflow imported"] is True


@pytest.mark.slow
@pytest.mark.parametrize("competition", sorted(SHORTER))
def test_jax_cv_score_is_within_tolerance_of_tensorflow(scores, competition):
    tf_score, jax_score = scores["tensorflow"][competition], scores["jax"][competition]
    assert tf_score is not None and jax_score is not None
    assert abs(jax_score - tf_score) <= TOLERANCE[competition], (competition, tf_score, jax_score)
