"""ImageDataset over an in-memory uint8 array: the same batches as from files, resizing when asked."""

import cv2
import numpy as np

from compete.common.data.images import ImageDataset, as_source, is_array_source
from compete.common.training.predict import predict_files


def _images(n=10, size=32):
    return np.random.default_rng(0).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def test_array_source_matches_files(tmp_path):
    images = _images()
    paths = []
    for i, image in enumerate(images):
        paths.append(tmp_path / f"{i}.png")
        cv2.imwrite(str(paths[-1]), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    targets = np.arange(10)
    from_files = ImageDataset(paths, targets, image_size=32, batch_size=4, shuffle=True, seed=1)
    from_array = ImageDataset(images, targets, image_size=32, batch_size=4, shuffle=True, seed=1)
    for b in range(len(from_files)):
        (xf, yf), (xa, ya) = from_files[b], from_array[b]
        assert np.array_equal(xf, xa) and np.array_equal(yf, ya)


def test_array_source_resizes_for_upscaled_models():
    images = _images(3)
    (x,) = ImageDataset(images, image_size=64, batch_size=3, cache=True)[0]
    assert x.shape == (3, 64, 64, 3)
    assert np.allclose(x[1], cv2.resize(images[1], (64, 64), interpolation=cv2.INTER_LINEAR))


def test_as_source_keeps_arrays_and_paths():
    images = _images(2)
    assert as_source(images) is images and is_array_source(images)
    paths = as_source(["a.png", "b.png"])
    assert paths.dtype == object and not is_array_source(paths)


def test_predict_files_takes_arrays():
    import keras

    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.GlobalAveragePooling2D()])
    images = _images(5, 8)
    out, failed = predict_files(model, images, image_size=8, batch_size=2, views=2)
    assert failed == [] and np.allclose(out, images.reshape(5, -1, 3).mean(axis=1), atol=1e-3)
