"""Peak memory of streaming prediction (compete.common.training.predict.predict_files, flip TTA) over 10,000 vs 100,000
generated 32 px test PNGs, each size in a fresh subprocess (peak RSS from getrusage). A tiny model is
enough: the point is that memory does not grow with the number of images. PNGs go to /tmp."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import _bench  # noqa: F401  (quiet TensorFlow)

DEFAULT_DIR = Path("/tmp/cifar10_bench_pngs")


def generate(folder: Path, n: int) -> list[str]:
    """`n` PNGs 1.png..n.png (reused when already there), drawn from a pool of 1,000 generated images."""
    import cv2
    import numpy as np

    from compete.competitions.cifar10.sample_data import draw

    folder.mkdir(parents=True, exist_ok=True)
    paths = [str(folder / f"{i}.png") for i in range(1, n + 1)]
    marker = folder / f".complete-{n}"
    if not marker.exists():
        rng = np.random.default_rng(0)
        pool = [cv2.imencode(".png", draw(k % 10, rng))[1].tobytes() for k in range(1000)]

        def write(i):
            Path(paths[i]).write_bytes(pool[i % len(pool)])

        with ThreadPoolExecutor(4) as executor:
            list(executor.map(write, range(n), chunksize=1000))
        marker.write_text("ok\n")
    return paths


def child(folder: Path, n: int) -> None:
    import keras
    import psutil

    from compete.common.models.classifier import build_image_classifier
    from compete.common.training.predict import predict_files

    paths = [str(folder / f"{i}.png") for i in range(1, n + 1)]
    keras.utils.set_random_seed(0)
    model = build_image_classifier("tiny_cnn", 32, 10, "softmax")
    model.predict(keras.ops.zeros((2, 32, 32, 3)), verbose=0)
    before = psutil.Process().memory_info().rss
    start = time.perf_counter()
    out, failed = predict_files(model, paths, image_size=32, batch_size=256, views=2)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"n": n, "peak": peak, "before": before, "seconds": seconds, "rows": len(out),
                      "failed": len(failed)}))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        return child(args.dir, args.child)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"generating {max(sizes)} PNGs in {args.dir} ...", flush=True)
    generate(args.dir, max(sizes))
    results = {}
    for n in sizes:
        done = subprocess.run([sys.executable, __file__, "--dir", str(args.dir), "--child", str(n)],
                              capture_output=True, text=True, check=True)
        results[n] = json.loads(done.stdout.strip().splitlines()[-1])
        r = results[n]
        print(f"{n} images: peak RSS {r['peak'] / 2**20:.0f} MiB (model loaded: {r['before'] / 2**20:.0f} MiB, "
              f"growth during prediction {(r['peak'] - r['before']) / 2**20:.0f} MiB), "
              f"{r['seconds']:.1f} s, {n / r['seconds']:.0f} images/s", flush=True)
    small, large = results[sizes[0]], results[sizes[-1]]
    print(_bench.result("cifar10_predict_peak_memory_100k_vs_10k", large["peak"] / small["peak"], "<", 1.2))


if __name__ == "__main__":
    main()
