"""Duplicate scan on 10,000 generated icons: multi-index Hamming search vs comparing all pairs.

Hashing (decode + pHash) is timed once; the matching step is timed for the
multi-index search and for a blocked-numpy all-pairs comparison on all 10,000, and
for a pure-Python all-pairs loop on a 1,500-image subset, scaled by the pair count
(n(n-1)/2). Run: .venv/bin/python benchmarks/hygiene_duplicates.py [--n 10000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    from compete.common.hygiene import near_pairs, near_pairs_naive, phash
    from compete.competitions.pictogram.classes import CLASSES, DOMAINS
    from compete.competitions.pictogram.sample_data import near_copy, render

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--radius", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--python-subset", type=int, default=1500)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    images = []
    while len(images) < args.n:
        image, _ = render(CLASSES[len(images) % 20], DOMAINS[len(images) % 3], rng, 96, 96)
        images.append(image)
        if len(images) % 50 == 0:
            images.append(near_copy(image, rng))
    images = images[:args.n]
    start = time.perf_counter()
    hashes = np.array([phash(im) for im in images], np.uint64)
    hashing = time.perf_counter() - start
    print(f"{args.n} images, pHash: {hashing:.2f}s ({1e3 * hashing / args.n:.2f} ms/image, decoded in memory)")
    total_pairs = args.n * (args.n - 1) // 2
    sub = hashes[:args.python_subset]
    start = time.perf_counter()
    found = 0
    for i in range(len(sub)):
        a = int(sub[i])
        for j in range(i + 1, len(sub)):
            found += (a ^ int(sub[j])).bit_count() <= 1
    python_time = (time.perf_counter() - start) * total_pairs / (len(sub) * (len(sub) - 1) // 2)
    print(f"naive all-pairs Python loop: {python_time:.1f}s for {total_pairs:,} pairs "
          f"(timed on {len(sub)} images, scaled by pair count)")
    for radius in args.radius:
        start = time.perf_counter()
        fast, _ = near_pairs(hashes, radius)
        fast_time = time.perf_counter() - start
        start = time.perf_counter()
        slow, _ = near_pairs_naive(hashes, radius)
        numpy_time = time.perf_counter() - start
        assert set(map(tuple, fast.tolist())) == set(map(tuple, slow.tolist())), f"radius {radius}: pairs differ"
        print(f"radius {radius}: multi-index {fast_time:.3f}s, all-pairs numpy {numpy_time:.3f}s, "
              f"{len(fast)} pairs; numpy all-pairs / multi-index = {numpy_time / fast_time:.1f}x")
    start = time.perf_counter()
    near_pairs(hashes, 1)
    default_time = time.perf_counter() - start
    print(f"ratio naive all-pairs (Python) / multi-index at the default radius 1: {python_time / default_time:.0f}x")


if __name__ == "__main__":
    main()
