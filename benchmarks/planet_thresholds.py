"""Per-class threshold tuning: common.thresholds.tune_per_class on 40,479 x 17 synthetic OOF
probabilities against a naive coordinate ascent over the same grid scoring every candidate with
sklearn.metrics.fbeta_score(average="samples", beta=2); one pass each from the same start."""

from __future__ import annotations

import argparse
import time

import _bench
import numpy as np
from sklearn.metrics import fbeta_score

from compete.common.evaluation import thresholds
from compete.competitions.planet.tags import TAGS, TRAIN_ROWS, TRAIN_TAG_COUNTS, WEATHER_TAGS

NAIVE_BUDGET_S = 120.0


def synthetic_oof(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Labels at the real tag frequencies (exactly one weather tag per row, land tags independent)
    and probabilities correlated with them: sigmoid(class prior logit + 2.5 * (2y - 1) + noise)."""
    rng = np.random.default_rng(seed)
    share = np.array([TRAIN_TAG_COUNTS[t] / TRAIN_ROWS for t in TAGS])
    y = np.zeros((n, len(TAGS)), bool)
    weather = [TAGS.index(w) for w in WEATHER_TAGS]
    p_weather = share[weather] / share[weather].sum()
    y[np.arange(n), np.array(weather)[rng.choice(len(weather), n, p=p_weather)]] = True
    land = [j for j in range(len(TAGS)) if j not in weather]
    y[:, land] = rng.random((n, len(land))) < share[land]
    logits = np.log(share / (1 - share)) + 2.5 * (2 * y - 1) + rng.normal(0, 1.5, y.shape)
    return y.astype(np.uint8), np.round(1 / (1 + np.exp(-logits)), 4)


def naive_pass(y, probs, start: np.ndarray, grid=thresholds.DEFAULT_GRID) -> np.ndarray:
    """One pass of coordinate ascent, every candidate scored by scikit-learn from scratch."""
    def score(t):
        return fbeta_score(y, (probs >= t).astype(np.uint8), beta=2, average="samples", zero_division=0)

    current = np.array(start, dtype=np.float64)
    best_score = score(current)
    for j in range(probs.shape[1]):
        trial = current.copy()
        scores = []
        for t in grid:
            trial[j] = t
            scores.append(score(trial))
        best = int(np.argmax(scores))
        if scores[best] > best_score + 1e-12:
            current[j], best_score = grid[best], scores[best]
    return current


def naive_rows(y, probs, init: float, small: bool) -> tuple[int, float]:
    """Rows for the naive side (all when one pass fits NAIVE_BUDGET_S, else a subset), and the
    estimated seconds of one naive pass on all rows (calls per pass x one call's time)."""
    one_call = min(_bench.alternate({"call": lambda: naive_score(y, probs, init)}, 3, log=lambda *a: None)[0]["call"])
    calls = y.shape[1] * len(thresholds.DEFAULT_GRID) + 1
    print(f"one fbeta_score call on {len(y)} rows: {one_call * 1e3:.1f} ms; {calls} calls per pass "
          f"-> about {one_call * calls:.0f} s per naive pass")
    if small:
        return min(len(y), 4000), one_call * calls
    return min(len(y), int(len(y) * NAIVE_BUDGET_S / (one_call * calls))), one_call * calls


def naive_score(y, probs, t) -> float:
    return fbeta_score(y, (probs >= t).astype(np.uint8), beta=2, average="samples", zero_division=0)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="naive side on 4,000 rows, 2 repetitions")
    parser.add_argument("--rows", type=int, default=TRAIN_ROWS, help="rows of the tuned matrix (default 40,479)")
    parser.add_argument("--repeats", type=int, default=None, help="alternating repetitions (default 1 full, 2 small)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.small else 1)
    y, probs = synthetic_oof(args.rows)
    print(f"{len(y)} x {y.shape[1]} synthetic OOF; tag shares {y.mean(0).round(3).tolist()}")

    wall, cpu = _bench.alternate({
        "tune_global": lambda: thresholds.tune_global(y, probs),
        "tune_per_class": lambda: thresholds.tune_per_class(y, probs),
    }, 3, log=lambda *a: None)
    seconds = _bench.median(wall["tune_per_class"])
    print(f"tune_global alone (its default init): median {_bench.median(wall['tune_global']):.3f} s wall, "
          f"{_bench.median(cpu['tune_global']):.3f} s CPU")
    print(f"tune_per_class on {len(y)} x {y.shape[1]} (global init + up to 3 passes): median {seconds:.3f} s wall, "
          f"{_bench.median(cpu['tune_per_class']):.3f} s CPU (target about 1 s) {'PASS' if seconds <= 1.5 else 'MISS'}")

    init = thresholds.tune_global(y, probs)[0]
    rows, full_estimate = naive_rows(y, probs, init, args.small)
    ys, ps, start = y[:rows], probs[:rows], np.full(y.shape[1], init)
    found = {}
    wall, _ = _bench.alternate({
        "vectorised": lambda: found.__setitem__("vectorised", thresholds.tune_per_class(ys, ps, passes=1, init=init)[0]),
        "naive sklearn": lambda: found.__setitem__("naive", naive_pass(ys, ps, start)),
    }, repeats)
    same = np.allclose(found["vectorised"], found["naive"])
    print(f"same thresholds after one pass from {init:.2f} on {rows} rows: {same}")
    if not same:
        print(f"  vectorised {found['vectorised'].tolist()}\n  naive      {found['naive'].tolist()}")
    vec, naive = _bench.median(wall["vectorised"]), _bench.median(wall["naive sklearn"])
    print(f"one pass on {rows} rows: vectorised {vec:.4f} s, naive {naive:.2f} s")
    if rows < len(y):
        full = _bench.alternate({"pass": lambda: thresholds.tune_per_class(y, probs, passes=1, init=init)},
                                3, log=lambda *a: None)[0]["pass"]
        print(f"on all {len(y)} rows: vectorised pass {_bench.median(full):.4f} s, naive estimated at "
              f"{full_estimate:.0f} s (calls x one call's time): about {full_estimate / _bench.median(full):.0f}x")
    print(_bench.result("planet_thresholds", naive / vec, ">=", 10))


if __name__ == "__main__":
    main()
