"""Peak memory (max RSS) of streaming prediction, common.predict.predict_files with 8 TTA views at
128 px, over 2,000 vs 20,000 test chips, each size in a fresh subprocess.

The 20,000 JPEGs are written once: 250 generated chips, each under its 8 dihedral transforms
re-encoded (2,000 distinct files' worth of bytes), then copied round-robin to 20,000 names."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import _bench
import cv2
import numpy as np

IMAGE_SIZE, BATCH_SIZE, VIEWS = 128, 32, 8


def write_chips(folder: Path, n: int, base: int = 250) -> list[str]:
    """`n` 256 px JPEGs: `base` generated chips x 8 dihedral variants, repeated as copies."""
    from compete.common.data.tta import DIHEDRAL
    from compete.competitions.planet.sample_data import render_chip, sample_tag_sets

    tag_sets = sample_tag_sets(base, np.random.default_rng(0))
    variants = []
    for i, tags in enumerate(tag_sets):
        chip = cv2.cvtColor(render_chip(tags, np.random.default_rng([0, i])), cv2.COLOR_RGB2BGR)
        variants += [cv2.imencode(".jpg", np.ascontiguousarray(view(chip)))[1].tobytes() for view in DIHEDRAL]
    folder.mkdir(parents=True, exist_ok=True)
    paths = [str(folder / f"test_{i}.jpg") for i in range(n)]
    for i, path in enumerate(paths):
        Path(path).write_bytes(variants[i % len(variants)])
    return paths


def tiny_model(backbone: str):
    """A registered backbone's classifier, or "minimal": one strided conv, so decoding dominates."""
    import keras
    from compete.common.models.classifier import Preprocess, build_image_classifier

    if backbone != "minimal":
        return build_image_classifier(backbone, IMAGE_SIZE, 17, "sigmoid")
    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3))
    x = Preprocess("unit")(inputs)
    x = keras.layers.Conv2D(8, 3, strides=4, activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(17, activation="sigmoid")(x))


def child(list_file: str, backbone: str) -> None:
    """Predict every file listed in `list_file`; print peak RSS (MiB) before and after as JSON."""
    from compete.common.training.predict import predict_files

    paths = Path(list_file).read_text().split("\n")
    model = tiny_model(backbone)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    predictions, failed = predict_files(model, paths, image_size=IMAGE_SIZE, batch_size=BATCH_SIZE, views=VIEWS)
    assert predictions.shape == (len(paths), 17) and not failed
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"files": len(paths), "before_mib": before, "peak_mib": peak}))


def measure(paths: list[str], folder: Path, backbone: str) -> dict:
    list_file = folder / f"list_{len(paths)}.txt"
    list_file.write_text("\n".join(paths))
    out = subprocess.run([sys.executable, __file__, "--child", str(list_file), "--backbone", backbone],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="200 vs 2,000 chips")
    parser.add_argument("--repeats", type=int, default=1, help="alternating runs per size (default 1)")
    parser.add_argument("--backbone", default="minimal", help="'minimal' (default) or a registered backbone")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.backbone)
    small, large = (200, 2000) if args.small else (2000, 20000)

    with tempfile.TemporaryDirectory(prefix="bench_predict_") as tmp:
        print(f"writing {large} chips in {tmp} ...", flush=True)
        paths = write_chips(Path(tmp) / "test-jpg", large)
        runs: dict[int, list[dict]] = {small: [], large: []}
        for rep in range(args.repeats):
            for n in runs:
                runs[n].append(measure(paths[:n], Path(tmp), args.backbone))
                print(f"  rep {rep + 1}/{args.repeats} {n} files: {runs[n][-1]}", flush=True)

    peak = {n: _bench.median([r["peak_mib"] for r in rs]) for n, rs in runs.items()}
    growth = {n: peak[n] - _bench.median([r["before_mib"] for r in rs]) for n, rs in runs.items()}
    for n in runs:
        print(f"{n} files, {VIEWS} views, {args.backbone} model: peak RSS {peak[n]:.0f} MiB "
              f"({growth[n]:.0f} MiB above the peak before predicting)")
    print(_bench.result("planet_predict_memory", peak[large] / peak[small], "<", 1.2))


if __name__ == "__main__":
    main()
