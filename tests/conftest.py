"""Shared fixtures: quiet TensorFlow, quick XLA compiles, Keras steps run eagerly where the model is not the subject,
heavy modules scheduled first, and one generated Planet sample per session."""

import contextlib
import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The tests' models are tiny, so XLA's compile time outweighs their run time (a 1-epoch CV under JAX
# spent 44 of 74 s compiling): compile without backend optimisation, and keep the compiled programs on
# disk, where every later process (and the next run) finds them. One folder for all xdist workers (they
# load this file before they know their names); JAX skips an entry it cannot read and compiles instead.
# Set for the commands the tests start too; tests that need other XLA flags add to these.
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", os.path.join(tempfile.gettempdir(), "compete-tests-jax-cache"))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")

import pytest  # noqa: E402


def pytest_collection_modifyitems(config, items):
    """Modules marked `heavy` first (otherwise in their order): xdist hands out whole modules in this order, so a
    minute-long module never starts last while the other worker sits idle."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)


@pytest.fixture(scope="session")
def planet_sample(tmp_path_factory):
    """A small Planet download in the real Kaggle layout (generated once per test session)."""
    from compete.competitions.planet import sample_data

    root = tmp_path_factory.mktemp("planet-sample")
    return sample_data.generate(root, n_train=120, n_test=20, n_test_additional=10, seed=0, image_size=64)


@pytest.fixture
def log(caplog):
    """The `compete` logger's messages in `log.text` (it does not propagate to the root logger caplog watches)."""
    import logging

    logger = logging.getLogger("compete")
    caplog.set_level(logging.INFO, logger="compete")
    logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)


@pytest.fixture(autouse=True)
def _input_policy(monkeypatch):
    """Commands set the process-wide input policy (size limits, background); each test gets it back as it found it."""
    from compete.common.io import policy

    monkeypatch.setattr(policy, "current", policy.current)


DRAWN = {}


@pytest.fixture(scope="session", autouse=True)
def _reports_only_where_checked():
    """`report.html` is drawn (a second or more of matplotlib per run) only in modules that check it, which
    use `drawn_reports`; elsewhere commands run as they do for a user, less that last drawing."""
    from compete.common import reports

    DRAWN["refresh"] = reports.refresh
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reports, "refresh", lambda run_dir: None)
        yield


@pytest.fixture(scope="module")
def drawn_reports():
    """Commands in this module draw their reports (use as a module-scoped autouse fixture)."""
    from compete.common import reports

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reports, "refresh", DRAWN["refresh"])
        yield


@contextlib.contextmanager
def _functions_run_eagerly(eager: bool):
    """TensorFlow's tf.functions (Keras' train, test and predict steps) run eagerly or traced, then as before."""
    import keras

    if keras.backend.backend() != "tensorflow":
        yield
        return
    import tensorflow as tf

    before = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(eager)
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(before)


@pytest.fixture(scope="module")
def eager_functions():
    """Run this module's Keras steps eagerly instead of tracing them into graphs (TensorFlow; tf.data still traces).

    On the tests' tiny models, tracing a fold's steps costs seconds while running them costs milliseconds
    (a 3-fold tiny Planet submit: 29 s traced, 14 s eager). For modules whose subject is the run around
    the model (the CLI, the run engine's files, caching, hostile input), not the model. The traced path
    a user runs is covered by the modules that leave it on: model, training and backend tests, and every
    command a test starts in its own process.
    """
    with _functions_run_eagerly(True):
        yield


@pytest.fixture
def traced_functions():
    """One test in an `eager_functions` module traces its steps as a user's run does (real data: there, running
    thousands of steps eagerly costs more than tracing them once)."""
    with _functions_run_eagerly(False):
        yield
