"""Epoch time of ResNet-20 at 32 px on the CPU under the JAX backend against the TensorFlow backend.

Each backend runs in a fresh process (the backend is fixed at Keras' import): the toolkit's
classifier (`build_image_classifier("resnet20", 32, 10)`, SGD), fed by the toolkit's input
pipeline (`ImageDataset` over the same in-memory uint8 images, pad-crop and flip), one warm-up
epoch (tracing, compilation), then timed epochs. The processes alternate so machine noise hits
both. No target: it prints each backend's median epoch and the ratio jax / tensorflow.

    .venv/bin/python benchmarks/backend_epoch.py [--images 2048] [--epochs 3] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import _bench

CHILD = r'''
import json, sys, time
import numpy as np, keras
from compete.common.data import augment
from compete.common.data.images import ImageDataset
from compete.common.models.classifier import build_image_classifier

images, epochs, batch = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
x = rng.integers(0, 255, (images, 32, 32, 3), dtype=np.uint8)
y = np.eye(10, dtype="float32")[rng.integers(0, 10, images)]
keras.utils.set_random_seed(0)
model = build_image_classifier("resnet20", 32, 10, "softmax")
model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="categorical_crossentropy",
              metrics=["accuracy"])
data = ImageDataset(x, y, image_size=32, batch_size=batch, augment=augment.build(["pad_crop", "hflip"]),
                    shuffle=True, seed=0)
seconds = []
for epoch in range(epochs + 1):
    start = time.perf_counter()
    model.fit(data, epochs=1, verbose=0)
    seconds.append(time.perf_counter() - start)
print("RESULT " + json.dumps({"backend": keras.backend.backend(), "warmup": seconds[0], "epochs": seconds[1:]}))
'''


def run(backend: str, args) -> dict:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", CHILD, str(args.images), str(args.epochs), str(args.batch_size)],
                          capture_output=True, text=True, env=env, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        raise SystemExit(f"{backend}: exit {done.returncode}: {done.stderr.strip()[-1500:]}")
    return json.loads(lines[-1][len("RESULT "):])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per process, after one warm-up")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=2, help="processes per backend, alternating")
    parser.add_argument("--small", action="store_true", help="a quick check: 256 images, 1 epoch, 1 repeat")
    args = parser.parse_args(argv)
    if args.small:
        args.images, args.epochs, args.repeats = 256, 1, 1
    epochs = {"tensorflow": [], "jax": []}
    warmups = {"tensorflow": [], "jax": []}
    for rep in range(args.repeats):
        for backend in epochs:
            found = run(backend, args)
            epochs[backend] += found["epochs"]
            warmups[backend].append(found["warmup"])
            print(f"  rep {rep + 1}/{args.repeats} {backend}: warm-up {found['warmup']:.2f} s, epochs "
                  + ", ".join(f"{s:.2f}" for s in found["epochs"]) + " s", flush=True)
    median = {backend: _bench.median(times) for backend, times in epochs.items()}
    for backend in epochs:
        print(f"{backend}: median epoch {median[backend]:.2f} s ({args.images / median[backend]:.0f} images/s), "
              f"warm-up epoch {_bench.median(warmups[backend]):.2f} s")
    print(f"RESULT backend_epoch_jax_vs_tensorflow: ratio={median['jax'] / median['tensorflow']:.2f} "
          "(jax / tensorflow epoch time; no target)")


if __name__ == "__main__":
    main()
