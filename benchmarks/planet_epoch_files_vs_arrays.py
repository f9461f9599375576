"""One training epoch of the same model fed from JPEG files through common.images.ImageDataset
against the same epoch fed from the same images already decoded in memory (a uint8 array given
to ImageDataset): same batch size, workers, shuffling and per-image dihedral augmentation, so the
difference is the cost of reading and decoding the files while the model trains."""

from __future__ import annotations

import argparse
import tempfile

import _bench
import keras
import numpy as np

from compete.common.data import augment, images
from compete.common.models.classifier import build_image_classifier

IMAGE_SIZE, BATCH_SIZE = 128, 32


def dataset(source, labels, cache: bool = False) -> images.ImageDataset:
    return images.ImageDataset(source, labels, image_size=IMAGE_SIZE, batch_size=BATCH_SIZE,
                               augment=augment.build(["dihedral"]), shuffle=True, seed=0, cache=cache)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="64 images, 2 repetitions")
    parser.add_argument("--images", type=int, default=None, help="training chips (default 256)")
    parser.add_argument("--repeats", type=int, default=None, help="alternating epochs per side (default 3)")
    parser.add_argument("--backbone", default="small_cnn", help="registered backbone (default small_cnn)")
    args = parser.parse_args(argv)
    n = args.images or (64 if args.small else 256)
    repeats = args.repeats or (2 if args.small else 3)
    keras.utils.set_random_seed(0)

    with tempfile.TemporaryDirectory(prefix="bench_epoch_") as tmp:
        print(f"generating {n} 256 px chips in {tmp} ...", flush=True)
        paths, labels = _bench.planet_train(tmp, n)
        decoded = np.stack([images.read(p, IMAGE_SIZE) for p in paths])
        sides = {
            "files": dataset(paths, labels),
            "files cached": dataset(paths, labels, cache=True),
            "arrays": dataset(decoded, labels),
        }
        model = build_image_classifier(args.backbone, IMAGE_SIZE, labels.shape[1], "sigmoid")
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
        print(f"{args.backbone}: {model.count_params():,} parameters, batch {BATCH_SIZE}, "
              f"{sides['files'].workers} workers; warm-up epoch per side (compiles, fills the cache)", flush=True)
        for ds in sides.values():
            model.fit(ds, epochs=1, verbose=0)
        wall, _ = _bench.alternate({name: (lambda ds=ds: model.fit(ds, epochs=1, verbose=0))
                                    for name, ds in sides.items()}, repeats)

    epoch = {name: _bench.median(t) for name, t in wall.items()}
    for name, seconds in epoch.items():
        print(f"{name}: median epoch {seconds:.2f} s ({n / seconds:.0f} images/s), "
              f"{seconds / epoch['arrays']:.2f}x arrays")
    print(_bench.result("planet_epoch_files_vs_arrays", epoch["files"] / epoch["arrays"], "<=", 1.10))


if __name__ == "__main__":
    main()
