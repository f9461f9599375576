"""ResNet-20 at 32 px: training epochs fed through the toolkit's pipeline (PNG files -> ImageDataset with
the CIFAR config's cache, workers, shuffling and pad-crop + flip augmentation) against the same model
fit on the same images as in-memory NumPy arrays (`model.fit(x, y)`, no augmentation). Alternating
epochs, medians; the ratio is pipeline / arrays."""

from __future__ import annotations

import argparse
import tempfile

import _bench
import keras
import numpy as np

from compete.common.data import augment, images
from compete.common.models.classifier import build_image_classifier

BATCH_SIZE = 128


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=2048, help="training images (default 2048)")
    parser.add_argument("--repeats", type=int, default=3, help="alternating epochs per side (default 3)")
    args = parser.parse_args(argv)
    from compete.competitions.cifar10 import layout, sample_data

    with tempfile.TemporaryDirectory(prefix="bench_cifar_") as tmp:
        print(f"generating {args.images} 32 px PNGs in {tmp} ...", flush=True)
        sample_data.generate(tmp, n_train=args.images, n_test=0)
        train = layout.read_train(tmp)
        targets = np.eye(10, dtype=np.float32)[train.labels]
        x = np.stack([images.read(p) for p in train.images]).astype(np.float32)
        pipelines = {
            "pipeline": images.ImageDataset(train.images, targets, image_size=32, batch_size=BATCH_SIZE, shuffle=True,
                                            cache=True, augment=augment.build(["pad_crop", "hflip"])),
            "pipeline, no augmentation": images.ImageDataset(train.images, targets, image_size=32,
                                                             batch_size=BATCH_SIZE, shuffle=True, cache=True),
        }
        models = {}
        for name in ("arrays", *pipelines):
            keras.utils.set_random_seed(0)
            models[name] = build_image_classifier("resnet20", 32, 10, "softmax", dropout=0.0)
            models[name].compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="categorical_crossentropy")
        sides = {"arrays": lambda: models["arrays"].fit(x, targets, batch_size=BATCH_SIZE, shuffle=True, epochs=1, verbose=0)}
        for name, ds in pipelines.items():
            sides[name] = lambda name=name, ds=ds: models[name].fit(ds, epochs=1, verbose=0)
        print(f"resnet20: {models['arrays'].count_params():,} parameters, batch {BATCH_SIZE}, "
              f"{pipelines['pipeline'].workers} workers; one warm-up epoch per side (compiles, fills the cache)", flush=True)
        for run in sides.values():
            run()
        wall, _ = _bench.alternate(sides, args.repeats)

    epoch = {name: _bench.median(t) for name, t in wall.items()}
    for name, seconds in epoch.items():
        print(f"{name}: median epoch {seconds:.2f} s ({args.images / seconds:.0f} images/s), "
              f"{seconds / epoch['arrays']:.2f}x arrays")
    print(_bench.result("cifar10_resnet20_pipeline_vs_arrays", epoch["pipeline"] / epoch["arrays"], "<=", 1.10))


if __name__ == "__main__":
    main()
