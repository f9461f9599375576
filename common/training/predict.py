"""Streaming prediction from image files with TTA; unreadable images get a fallback row."""

from __future__ import annotations

import numpy as np

from compete.common import interrupts
from compete.common.data import tta
from compete.common.data.images import ImageDataset


def predict_files(model, paths, *, image_size: int, batch_size: int, views: int = 1, fallback=None,
                  workers: int | None = None, verbose: int = 0, devices: int = 1) -> tuple[np.ndarray, list[int]]:
    """Predict every file, averaging `views` dihedral views; returns (predictions, failed indices).

    Images are decoded batch by batch, so memory does not grow with the number of
    files. A file that cannot be read gets `fallback` (e.g. the training prior)
    when given, else the error is raised. Over `devices` data-parallel devices, short
    batches are padded to split evenly and the padding's outputs dropped.
    """
    dataset = ImageDataset(paths, image_size=image_size, batch_size=batch_size, views=tta.views(views),
                           on_error="raise" if fallback is None else "fallback", workers=workers, devices=devices)
    outputs = model.predict(dataset, verbose=verbose, callbacks=[interrupts.keras_callback()])
    outputs = tta.average(dataset.trim(outputs), views)
    failed = sorted(dataset.failed)
    if failed:
        outputs[failed] = fallback
    return outputs, failed
