import numpy as np
import pytest
from sklearn.metrics import fbeta_score

from compete.common.evaluation import thresholds


def _f2(y, decisions):
    return fbeta_score(y, decisions, beta=2, average="samples", zero_division=0)


def _constructed_case(n=2000, seed=0):
    """Class 0 is well separated around 0.5; class 1's positives score only 0.2-0.4,
    so 0.5 misses all of them; class 2's negatives score 0.55-0.7."""
    rng = np.random.default_rng(seed)
    y = np.zeros((n, 3), dtype=int)
    y[:, 0] = rng.random(n) < 0.6
    y[:, 1] = rng.random(n) < 0.3
    y[:, 2] = rng.random(n) < 0.3
    p = np.zeros((n, 3))
    p[:, 0] = np.where(y[:, 0], rng.uniform(0.6, 1.0, n), rng.uniform(0.0, 0.4, n))
    p[:, 1] = np.where(y[:, 1], rng.uniform(0.2, 0.4, n), rng.uniform(0.0, 0.15, n))
    p[:, 2] = np.where(y[:, 2], rng.uniform(0.8, 1.0, n), rng.uniform(0.55, 0.7, n))
    return y, p


def test_per_class_search_beats_half_where_half_is_wrong():
    y, p = _constructed_case()
    at_half = _f2(y, (p >= 0.5).astype(int))
    tuned, score = thresholds.tune_per_class(y, p, beta=2)
    assert score == pytest.approx(_f2(y, thresholds.apply(p, tuned)), abs=1e-12)
    assert score > at_half + 0.1
    assert 0.15 < tuned[1] <= 0.2 and 0.7 <= tuned[2] <= 0.8


def test_global_threshold_is_the_best_on_its_grid():
    y, p = _constructed_case(500, seed=1)
    best_t, best = thresholds.tune_global(y, p, beta=2)
    brute = max(_f2(y, (p >= t).astype(int)) for t in thresholds.DEFAULT_GRID)
    assert best == pytest.approx(brute, abs=1e-12)
    assert best == pytest.approx(_f2(y, (p >= best_t).astype(int)), abs=1e-12)


def test_each_coordinate_step_is_optimal_against_brute_force():
    rng = np.random.default_rng(3)
    y = (rng.random((400, 5)) < 0.3).astype(int)
    p = np.clip(y * 0.35 + rng.random((400, 5)) * 0.65, 0, 1)
    tuned, score = thresholds.tune_per_class(y, p, beta=2, passes=10)
    for j in range(5):  # at a fixed point, no single-class move on the grid improves the score
        for t in thresholds.DEFAULT_GRID[::7]:
            moved = tuned.copy()
            moved[j] = t
            assert _f2(y, thresholds.apply(p, moved)) <= score + 1e-12


def test_forced_decisions_are_respected_and_scored():
    y, p = _constructed_case(600, seed=2)
    forced = np.full(p.shape, -1, np.int8)
    forced[:, 0] = 1
    forced[:50, 2] = 0
    tuned, score = thresholds.tune_per_class(y, p, beta=2, forced=forced)
    decisions = thresholds.apply(p, tuned, forced)
    assert decisions[:, 0].all() and not decisions[:50, 2].any()
    assert score == pytest.approx(_f2(y, decisions), abs=1e-12)
