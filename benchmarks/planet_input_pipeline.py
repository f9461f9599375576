"""Input pipeline throughput: common.images.ImageDataset (default workers, dihedral augmentation,
256 px JPEG -> 128 px float32 batches) iterated as model.fit does, against a single-threaded
cv2.imread + cv2.resize + random flip/rotation loop over the same files making the same batches."""

from __future__ import annotations

import argparse
import tempfile
import threading

import _bench  # noqa: F401  (quiets TensorFlow before keras is imported)
import cv2
import numpy as np
from keras.src.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter

from compete.common.data import augment, tta
from compete.common.data.images import ImageDataset

IMAGE_SIZE, BATCH_SIZE = 128, 32


class RecordingDataset(ImageDataset):
    """ImageDataset noting which threads build its batches, to check the workers are engaged."""

    threads: set

    def __getitem__(self, batch):
        self.threads.add(threading.get_ident())
        return super().__getitem__(batch)


def make_dataset(paths, labels, threads: set) -> RecordingDataset:
    dataset = RecordingDataset(paths, labels, image_size=IMAGE_SIZE, batch_size=BATCH_SIZE,
                               augment=augment.build(["dihedral"]), shuffle=True, seed=0)
    dataset.threads = threads
    return dataset


def iterate_like_keras(dataset) -> int:
    """One epoch through Keras' own PyDataset adapter (the OrderedEnqueuer that fit/predict use)."""
    adapter = PyDatasetAdapter(dataset, shuffle=False)
    adapter.on_epoch_begin()
    count = sum(len(x) for x, _ in adapter.get_numpy_iterator())
    adapter.on_epoch_end()
    return count


def baseline(paths, labels, seed: int = 0) -> int:
    """Plain loop: cv2.imread, BGR->RGB, resize, one of the 8 dihedral transforms, float32 batches."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(paths))
    count = 0
    for start in range(0, len(order), BATCH_SIZE):
        indices = order[start:start + BATCH_SIZE]
        images = []
        for i in indices:
            image = cv2.cvtColor(cv2.imread(paths[i], cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
            image = cv2.resize(image, (IMAGE_SIZE, IMAGE_SIZE), interpolation=cv2.INTER_AREA)
            images.append(tta.DIHEDRAL[rng.integers(8)](image))
        x, _ = np.ascontiguousarray(np.stack(images), dtype=np.float32), labels[indices]
        count += len(x)
    return count


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="200 images, 3 repetitions")
    parser.add_argument("--images", type=int, default=None, help="number of chips (default 2000)")
    parser.add_argument("--repeats", type=int, default=None, help="alternating repetitions (default 5)")
    args = parser.parse_args(argv)
    n = args.images or (200 if args.small else 2000)
    repeats = args.repeats or (3 if args.small else 5)

    with tempfile.TemporaryDirectory(prefix="bench_pipeline_") as tmp:
        print(f"generating {n} 256 px chips in {tmp} ...", flush=True)
        paths, labels = _bench.planet_train(tmp, n)

        sequential = set()
        for _ in zip(range(3), make_dataset(paths, labels, sequential)):
            pass
        workers = make_dataset(paths, labels, set()).workers
        print(f"ImageDataset default workers: {workers}; `for batch in dataset` builds batches on "
              f"{len(sequential)} thread(s) (the caller's), so the adapter is used instead")

        threads: set = set()
        times, cpu = _bench.alternate({
            "ImageDataset": lambda: iterate_like_keras(make_dataset(paths, labels, threads)),
            "cv2 loop": lambda: baseline(paths, labels),
        }, repeats)
        main_thread = threading.get_ident()
        print(f"ImageDataset batches were built on {len(threads)} thread(s), "
              f"main thread among them: {main_thread in threads}")
        if workers > 1 and (len(threads) < 2 or main_thread in threads):
            print("WARNING: the workers were not engaged")

    rate = {name: n / _bench.median(t) for name, t in times.items()}
    for name, r in rate.items():
        print(f"{name}: median {_bench.median(times[name]):.3f} s per epoch of {n} -> {r:.0f} images/s, "
              f"{1e3 * _bench.median(cpu[name]) / n:.2f} ms CPU per image")
    ceiling = workers * _bench.median(cpu["cv2 loop"]) / _bench.median(cpu["ImageDataset"])
    print(f"ceiling on {workers} idle cores from the CPU cost per image: {ceiling:.2f}x")
    print(_bench.result("planet_input_pipeline", rate["ImageDataset"] / rate["cv2 loop"], ">=", 1.6))


if __name__ == "__main__":
    main()
