"""Helpers shared by the benchmark scripts: quiet TensorFlow, sample data, alternating timings, the RESULT line."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before anything imports keras/tensorflow

import statistics
import time
from typing import Callable


def planet_train(out_dir, n: int, seed: int = 0):
    """Generate `n` Planet-format 256 px training chips under `out_dir`; returns (paths, labels)."""
    from compete.competitions.planet.layout import read_train
    from compete.competitions.planet.sample_data import generate

    generate(out_dir, n_train=n, n_test=0, n_test_additional=0, seed=seed)
    train = read_train(out_dir)
    return [str(p) for p in train.paths], train.labels.astype("float32")


def alternate(sides: dict[str, Callable[[], object]], repeats: int, log=print):
    """Time each side `repeats` times, interleaved (a, b, a, b, ...) so machine noise hits both alike.

    Returns ({side: wall seconds per repetition}, {side: process CPU seconds per repetition}).
    """
    wall: dict[str, list[float]] = {name: [] for name in sides}
    cpu: dict[str, list[float]] = {name: [] for name in sides}
    for rep in range(repeats):
        for name, run in sides.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            run()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
            log(f"  rep {rep + 1}/{repeats} {name}: {wall[name][-1]:.3f} s (cpu {cpu[name][-1]:.3f} s)")
    return wall, cpu


def median(values) -> float:
    return statistics.median(values)


def result(name: str, ratio: float, op: str, target: float) -> str:
    """The last line every benchmark prints: `RESULT <name>: ratio=<x.xx> (target <op> <y>) PASS|MISS`."""
    ok = {">=": ratio >= target, "<=": ratio <= target, "<": ratio < target, ">": ratio > target}[op]
    return f"RESULT {name}: ratio={ratio:.2f} (target {op} {target:g}) {'PASS' if ok else 'MISS'}"
