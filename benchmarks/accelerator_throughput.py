"""Training images/s through the toolkit against a bare `model.fit` on device-resident arrays, on the accelerator
Keras finds (GPU or TPU under JAX; it runs on the CPU too, where the figures say little), at one precision.

Two cases, as the scaling issue names them: ResNet-20 at 32 px on CIFAR-10-format PNGs, and
ResNet-50 at 128 px on Planet-format 256 px JPEG chips. For each, with the same model, compile
settings and dtype policy (`--precision`, default auto as the toolkit resolves it):

- toolkit: `model.fit` fed by `ImageDataset` from the image files, as a unit trains (decoding,
  resizing, the case's augmentation, worker threads, the image cache for CIFAR-10);
- bare: `model.fit` on the same images already decoded, resized and moved to the device
  (`keras.ops.convert_to_tensor`), no augmentation;
- input pipeline alone: the same `ImageDataset` iterated through Keras' own enqueuer, no model.

One warm-up epoch per side (compilation), then `--epochs` timed epochs; medians. Each case
prints toolkit / bare (target >= 0.8) and pipeline / bare (above 1: the input pipeline keeps
the device fed). Needs no TensorFlow under `KERAS_BACKEND=jax`.

    KERAS_BACKEND=jax .venv/bin/python benchmarks/accelerator_throughput.py [--small]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import _bench
import keras
import numpy as np

from compete.common.data import augment
from compete.common.data.images import ImageDataset, read
from compete.common.models.classifier import build_image_classifier
from compete.common.training import precision

CASES = {
    "cifar10": dict(backbone="resnet20", size=32, classes=10, activation="softmax", batch=256,
                    augment=["pad_crop", "hflip"], cache=True),
    "planet": dict(backbone="resnet50", size=128, classes=17, activation="sigmoid", batch=64,
                   augment=["dihedral"], cache=False),
}


class EpochTimes(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def data_for(case: str, n: int, root: Path):
    """(image paths, targets) of `n` generated images in the competition's real format."""
    if case == "cifar10":
        from compete.competitions.cifar10 import layout, sample_data

        sample_data.generate(root, n_train=n, n_test=0)
        train = layout.read_train(root)
        return [str(p) for p in train.images], np.eye(10, dtype=np.float32)[train.labels]
    from compete.competitions.planet import layout, sample_data

    sample_data.generate(root, n_train=n, n_test=0, n_test_additional=0)
    train = layout.read_train(root)
    return [str(p) for p in train.paths], train.labels.astype(np.float32)


def model_for(spec: dict, policy: str, jit):
    keras.utils.set_random_seed(0)
    with precision.dtype_policy(policy):
        model = build_image_classifier(spec["backbone"], spec["size"], spec["classes"], spec["activation"])
    loss = "categorical_crossentropy" if spec["activation"] == "softmax" else "binary_crossentropy"
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9), loss=loss, jit_compile=jit)
    return model


def timed_fit(model, epochs: int, *data, **kwargs) -> float:
    """Median seconds of the epochs after the first (which compiles)."""
    times = EpochTimes()
    model.fit(*data, epochs=epochs + 1, verbose=0, callbacks=[times], **kwargs)
    return _bench.median(times.seconds[1:])


def pipeline_alone(dataset: ImageDataset, epochs: int) -> float:
    """Median seconds to produce one epoch's batches through Keras' enqueuer (as `fit` would), after a first."""
    from keras.src.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter

    adapter = PyDatasetAdapter(dataset, shuffle=False)
    seconds = []
    for _ in range(epochs + 1):
        start = time.perf_counter()
        adapter.on_epoch_begin()
        for _ in adapter.get_numpy_iterator():
            pass
        adapter.on_epoch_end()
        seconds.append(time.perf_counter() - start)
    return _bench.median(seconds[1:])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4096, help="training images per case (default 4096)")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per side, after one warm-up")
    parser.add_argument("--precision", default="auto", choices=["auto", *precision.POLICIES])
    parser.add_argument("--jit-compile", default="auto", choices=["auto", "on", "off"])
    parser.add_argument("--cases", default="cifar10,planet")
    parser.add_argument("--small", action="store_true", help="a quick check: 256 images, 1 timed epoch")
    args = parser.parse_args(argv)
    if args.small:
        args.images, args.epochs = 256, 1
    policy, jit = precision.resolve(args.precision), precision.jit_compile(args.jit_compile)
    devices = keras.distribution.list_devices() if keras.backend.backend() == "jax" else ["the backend's default"]
    print(f"backend {keras.backend.backend()}, devices {devices}, dtype policy {policy}, jit_compile {jit}")
    for case in args.cases.split(","):
        spec = CASES[case]
        with tempfile.TemporaryDirectory(prefix=f"bench_accel_{case}_") as tmp:
            paths, targets = data_for(case, args.images, Path(tmp))
            size, batch = spec["size"], spec["batch"]
            dataset = ImageDataset(paths, targets, image_size=size, batch_size=batch, shuffle=True,
                                   augment=augment.build(spec["augment"]), cache=spec["cache"])
            toolkit = timed_fit(model_for(spec, policy, jit), args.epochs, dataset)
            decoded = np.stack([read(p, size) for p in paths])  # decoded and resized as the pipeline does
            x = keras.ops.convert_to_tensor(decoded.astype(np.float32))
            y = keras.ops.convert_to_tensor(targets)
            bare = timed_fit(model_for(spec, policy, jit), args.epochs, x, y, batch_size=batch, shuffle=True)
            alone = pipeline_alone(ImageDataset(paths, targets, image_size=size, batch_size=batch, shuffle=True,
                                                augment=augment.build(spec["augment"]), cache=spec["cache"]),
                                   args.epochs)
        n = len(paths)
        print(f"{case} ({spec['backbone']} at {size} px, batch {batch}): toolkit {n / toolkit:,.0f} images/s, "
              f"bare fit on device arrays {n / bare:,.0f} images/s, input pipeline alone {n / alone:,.0f} images/s")
        print(_bench.result(f"{case}_toolkit_vs_bare_fit", bare / toolkit, ">=", 0.8))
        print(f"RESULT {case}_input_pipeline_vs_device: ratio={bare / alone:.2f} (pipeline images/s over what the "
              "model consumes; above 1 keeps the device fed)")


if __name__ == "__main__":
    main()
