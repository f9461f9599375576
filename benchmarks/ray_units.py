"""Two units of a CIFAR-10 run (tiny_cnn, 2 folds) trained as two Ray tasks at once (`--executor ray`, a local Ray
started by the command, one CPU each) against the same two units one after the other (`--executor local`). Each side
is one whole `compete cifar10 cv` process on a fresh run, every process and worker limited to one thread (OMP, TF
intra/inter-op, BLAS, image decoding). Wall times of the whole commands; the ratio is ray / local."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _bench

ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
                                     "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=2000, help="training images, half per unit (default 2000)")
    parser.add_argument("--epochs", type=int, default=60, help="epochs per unit (default 60)")
    parser.add_argument("--repeats", type=int, default=1, help="alternating runs per side (default 1)")
    parser.add_argument("--small", action="store_true", help="a quick check: 200 images, 2 epochs")
    parser.add_argument("--control", action="store_true",
                        help="also time the two units as two plain `cv --unit` processes at once, then `assemble`")
    args = parser.parse_args(argv)
    if args.small:
        args.images, args.epochs = 200, 2
    from compete.competitions.cifar10 import sample_data

    with tempfile.TemporaryDirectory(prefix="bench_ray_units_") as tmp:
        root = Path(tmp)
        print(f"generating {args.images} 32 px PNGs in {tmp} ...", flush=True)
        sample_data.generate(root / "data", n_train=args.images, n_test=100, seed=0)
        runs = itertools.count()
        sides = {executor: lambda executor=executor: _cv(root, executor, f"{executor}-{next(runs)}", args.epochs)
                 for executor in ("local", "ray")}
        if args.control:
            sides["processes"] = lambda: _processes(root, f"processes-{next(runs)}", args.epochs)
        print(f"tiny_cnn, 2 units of {args.images // 2} training images x {args.epochs} epochs, one thread each",
              flush=True)
        # The work is done in child processes, so the parent's CPU time that `alternate` also prints says nothing.
        wall, _ = _bench.alternate(sides, args.repeats, log=lambda line: print(line.split(" (cpu")[0], flush=True))
        for executor in sides:
            print(f"{executor}: units " + "; ".join(_units(path) for path in sorted((root / "runs").glob(
                f"cifar10/{executor}-*"))))

    seconds = {name: _bench.median(t) for name, t in wall.items()}
    print(f"local (one after the other): {seconds['local']:.1f} s; ray (2 workers at once): {seconds['ray']:.1f} s")
    if "processes" in seconds:
        print(f"control, no executor: two `cv --unit` processes at once, then `assemble`: {seconds['processes']:.1f} s, "
              f"{seconds['processes'] / seconds['local']:.2f}x local")
    print(f"the machine's own floor: two one-thread NumPy processes at once take {_floor():.2f}x the time "
          "of one after the other")
    print(_bench.result("ray_units_two_workers_vs_sequential", seconds["ray"] / seconds["local"], "<=", 0.6))


def _processes(root: Path, run: str, epochs: int) -> None:
    """The two units as two `cv --unit` processes at once, then `assemble`: what any scheduler could do here."""
    for process in [_cv(root, "local", run, epochs, ["--unit", f"seed0/fold{fold}"], wait=False) for fold in (0, 1)]:
        if process.wait():
            raise SystemExit(f"a unit process failed (exit {process.returncode})")
    _cv(root, "local", run, epochs, action="assemble")


def _cv(root: Path, executor: str, run: str, epochs: int, extra=(), wait: bool = True, action: str = "cv"):
    """One whole `compete cifar10 cv` (or `action`) in a fresh process, on a fresh run."""
    command = [sys.executable, "-m", "compete.pipelines.cli", "cifar10", action, "-q", "--data", str(root / "data"),
               "--runs-dir", str(root / "runs"), "--run", run, "--executor", executor, "--backbone", "tiny_cnn",
               "--epochs", str(epochs), "--patience", str(epochs), "--n-splits", "2", "--batch-size", "64",
               "--optimizer", "adam", "--learning-rate", "0.003", "--lr-schedule", "constant", "--tta", "1",
               "--workers", "1", *extra]
    env = {**os.environ, **ONE_THREAD, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if not wait:
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)


WORK = "import numpy as np; a = np.ones((256, 256), np.float32)\nfor _ in range(3000): a = np.tanh(a @ a * 1e-3)"


def _floor() -> float:
    """Wall time of two single-threaded NumPy processes run at once over the same two run one after the other."""
    env = {**os.environ, **ONE_THREAD}

    def start():
        return subprocess.Popen([sys.executable, "-c", WORK], env=env)

    begin = time.perf_counter()
    for _ in range(2):
        start().wait()
    sequential = time.perf_counter() - begin
    begin = time.perf_counter()
    for process in [start(), start()]:
        process.wait()
    return (time.perf_counter() - begin) / sequential


def _units(run: Path) -> str:
    """Each unit's training seconds and the process that trained it."""
    saved = [json.loads(path.read_text()) for path in sorted(run.glob("seed*/fold*/unit.json"))]
    return ", ".join(f"seed{u['seed']}/fold{u['fold']} {u['seconds']:.1f} s (pid {u['pid']})" for u in saved)


if __name__ == "__main__":
    main()
