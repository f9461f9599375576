"""Mixed precision, XLA compilation and data-parallel batches of the image learner (tiny models, CPU)."""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pandas as pd
import pytest

from compete.common.data.images import ImageDataset
from compete.common.models.classifier import build_image_classifier
from compete.common.runs.engine import Split
from compete.common.training import devices, precision
from compete.common.training.image_learner import ImageLearner
from compete.common.training.options import ComputeOptions, FitOptions, LoaderOptions, PredictOptions

pytestmark = pytest.mark.heavy


def _colour_images(n: int, size: int = 16, seed: int = 0):
    """`n` images, red or blue by label (learnable in an epoch), and their one-hot targets."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    images = rng.integers(0, 60, (n, size, size, 3)).astype(np.uint8)
    images[labels == 0, ..., 0] += 180
    images[labels == 1, ..., 2] += 180
    return images, np.eye(2, dtype=np.float32)[labels]


def _colour_split(n: int) -> Split:
    """`_colour_images` as the engine's rows."""
    ids = [str(i) for i in range(n)]
    return Split(ids, *_colour_images(n), ids)


def _learner(compute: ComputeOptions) -> ImageLearner:
    return ImageLearner(lambda: build_image_classifier("tiny_cnn", 16, 2, "softmax", dropout=0.0), settings={},
                        fit=FitOptions(epochs=1, learning_rate=1e-2, lr_schedule="constant"),
                        loader=LoaderOptions(image_size=16, batch_size=8, cache=False, workers=1),
                        predict=PredictOptions(), compute=compute, loss="categorical_crossentropy")


def _conv(model):
    return model.get_layer("backbone").get_layer("block1_conv1")


@pytest.fixture(scope="module")
def colours():
    return _colour_split(28)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_fits_saves_loads_and_predicts_the_same(tmp_path, colours, policy):
    learner = _learner(ComputeOptions(precision=policy))
    model, summary = learner.fit(colours, np.arange(20), np.arange(20, 28), 0, tmp_path)
    assert summary["precision"] == policy and summary["devices"] == 1
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer) is (policy == "mixed_float16")
    assert _conv(model).compute_dtype == policy.removeprefix("mixed_")
    learner.save(model, tmp_path)
    assert keras.config.dtype_policy().name == "float32"  # the policy was only in force while building
    loaded = learner.load(tmp_path)
    assert _conv(loaded).compute_dtype == policy.removeprefix("mixed_")  # each layer saved its policy
    before, _ = learner.predict(model, colours, np.arange(28))
    after, _ = learner.predict(loaded, colours, np.arange(28))
    assert before.dtype == after.dtype == np.float32 and loaded.output.dtype == "float32"
    np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("setting", ["on", "off"])
def test_jit_compile_reaches_compile_and_the_loaded_model(tmp_path, colours, setting):
    learner = _learner(ComputeOptions(precision="float32", jit_compile=setting))
    model, _ = learner.fit(colours, np.arange(20), np.arange(20, 28), 0, tmp_path)
    learner.save(model, tmp_path)
    assert model.jit_compile is learner.load(tmp_path).jit_compile is (setting == "on")


@pytest.mark.parametrize("backbone", ["tiny_cnn", "lenet5", "deep_cnn", "resnet20", "mobilenet_v2"])
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_every_kind_of_backbone_outputs_float32(backbone, policy):
    """VGG-style stacks, the CIFAR nets and a Keras application all compute in 16 bits but answer in float32."""
    with precision.dtype_policy(policy):
        model = build_image_classifier(backbone, 32, 3, "softmax", dropout=0.0)
    assert model.get_layer("backbone").compute_dtype == policy.removeprefix("mixed_")
    assert keras.ops.convert_to_numpy(model(np.zeros((2, 32, 32, 3), np.float32))).dtype == np.float32


def test_auto_precision_by_accelerator():
    assert precision.resolve("auto", []) == "float32"
    assert precision.resolve("auto", [("gpu", (7, 5))]) == "mixed_float16"
    assert precision.resolve("auto", [("gpu", (8, 0))]) == "mixed_bfloat16"
    assert precision.resolve("auto", [("tpu", None)]) == "mixed_bfloat16"
    assert precision.resolve("mixed_float16", [("tpu", None)]) == "mixed_float16"


def test_one_device_is_the_default_and_imports_nothing():
    one = devices.select("1")
    assert one.count == 1 and one.names == ()
    with one.scope():
        assert keras.distribution.distribution() is None


def _batches(dataset):
    return [dataset[i] for i in range(len(dataset))]


def test_training_batches_are_topped_up_from_the_start_of_the_epoch():
    images, targets = _colour_images(37)
    plain = ImageDataset(images, targets, image_size=16, batch_size=8, shuffle=True, seed=3)
    split = ImageDataset(images, targets, image_size=16, batch_size=8, shuffle=True, seed=3, devices=2, top_up=True)
    for _ in range(2):  # a second epoch, reshuffled
        a, b = _batches(plain), _batches(split)
        assert [len(x) for x, _ in b] == [8, 8, 8, 8, 6] and all(len(batch) == 2 for batch in b)
        for (xa, ya), (xb, yb) in zip(a[:-1], b[:-1]):
            np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(b[-1][0], np.concatenate([a[-1][0], a[0][0][:1]]))
        plain.on_epoch_end(), split.on_epoch_end()
    assert _batches(ImageDataset(images, targets, image_size=16, batch_size=8, devices=1, top_up=True))[-1][0].shape[0] == 5


def test_validation_pads_weigh_nothing_and_keep_loss_and_metrics_exact():
    """Keras averages over every row of every batch: the padded batches give the unpadded numbers back."""
    images, targets = _colour_images(13)
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16, 16, 3))
    hidden = keras.layers.Flatten()(inputs)
    outputs = keras.layers.Dense(2, activation="softmax", kernel_regularizer=keras.regularizers.L2(1e-2))(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(loss="categorical_crossentropy", weighted_metrics=["accuracy"])  # as fit compiles over devices
    padded = ImageDataset(images, targets, image_size=16, batch_size=4, devices=4)
    batches = _batches(padded)
    assert [len(x) for x, _, _ in batches] == [4, 4, 4, 4]
    np.testing.assert_allclose(batches[-1][2], [16 / 13, 0, 0, 0], rtol=1e-7)
    exact = model.evaluate(ImageDataset(images, targets, image_size=16, batch_size=4), return_dict=True, verbose=0)
    got = model.evaluate(padded, return_dict=True, verbose=0)
    assert got["loss"] == pytest.approx(exact["loss"], rel=1e-6)
    assert got["accuracy"] == pytest.approx(exact["accuracy"], rel=1e-6)


def test_prediction_pads_are_trimmed_with_tta_views():
    from compete.common.data import tta

    images, _ = _colour_images(11)
    padded = ImageDataset(images, image_size=16, batch_size=4, views=tta.views(2), devices=4)
    assert [len(x) for (x,) in _batches(padded)] == [8, 8, 8]  # 3 images x 2 views padded to 4 x 2
    rows = np.concatenate([x for (x,) in _batches(padded)])
    plain = np.concatenate([x for (x,) in _batches(ImageDataset(images, image_size=16, batch_size=4,
                                                                views=tta.views(2)))])
    np.testing.assert_array_equal(padded.trim(rows), plain)


JAX_SCRIPT = textwrap.dedent("""
    import json, sys
    from pathlib import Path

    import jax, keras, numpy as np, pandas as pd
    assert keras.backend.backend() == "jax" and jax.local_device_count() == 2, jax.local_devices()
    sys.path.insert(0, sys.argv[2])
    from test_precision_devices import _colour_split
    from compete.common.models.backbones import build_backbone
    from compete.common.settings.model import SettingsError
    from compete.common.training import devices
    from compete.common.training.image_learner import ImageLearner
    from compete.common.training.options import ComputeOptions, FitOptions, LoaderOptions, PredictOptions

    seen = []

    @keras.saving.register_keras_serializable(package="probe")
    class Probe(keras.layers.Layer):
        \"\"\"Records, for each traced training step, the batch's global shape, per-device shape and device count.\"\"\"

        def call(self, x, training=None):
            if training:
                shape = tuple(x.shape)
                jax.debug.inspect_array_sharding(
                    x, callback=lambda s: seen.append([shape, s.shard_shape(shape), len(s.device_set)]))
            return x

    def build():
        \"\"\"The tiny classifier with the probe on its input.\"\"\"
        inputs = keras.Input((16, 16, 3))
        base = build_backbone("tiny_cnn", (16, 16, 3))
        base.name = "backbone"
        features = keras.layers.GlobalAveragePooling2D()(base(keras.layers.Rescaling(1 / 255)(Probe()(inputs))))
        return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(features))

    root = Path(sys.argv[1])
    data = _colour_split(51)
    # Training batches 4 x 8 + 6 (split evenly); validation 8 + 5 and prediction 3 x 8 + 5: padded to 6.
    train, valid, test = np.arange(38), np.arange(38, 51), np.arange(29)
    out = {}
    for count in (1, 2):
        learner = ImageLearner(build, settings={}, fit=FitOptions(epochs=2, patience=5, learning_rate=1e-2,
                                                                lr_schedule="constant"),
                               loader=LoaderOptions(image_size=16, batch_size=8, augment=("hflip",), cache=False,
                                                    workers=1),
                               predict=PredictOptions(), compute=ComputeOptions(devices=str(count)),
                               loss="categorical_crossentropy", metrics=["accuracy"])
        del seen[:]
        model, summary = learner.fit(data, train, valid, 0, root / str(count))
        learner.save(model, root / str(count))
        history = pd.read_csv(root / str(count) / "history_full.csv")
        out[count] = {"summary": summary, "seen": seen[:], "history": history.to_dict("list"),
                      "predictions": learner.predict(model, data, test)[0].tolist()}
    out["one_on_two"] = learner.predict(learner.load(root / "1"), data, test)[0].tolist()
    topped = learner.fit(data, np.arange(37), valid, 0, root / "topped")[1]  # a last batch of 5, topped up to 6
    out["topped_up_epochs"] = topped["best_epoch"] is not None
    try:
        devices.select("3")
    except SettingsError as error:
        out["three"] = str(error)
    print("RESULT " + json.dumps(out))
""")


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX not installed (pip install -e '.[jax]')")
def test_two_cpu_devices_split_every_batch_and_learn_the_same(tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
           "XLA_FLAGS": f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count=2".strip()}
    result = subprocess.run([sys.executable, "-c", JAX_SCRIPT, str(tmp_path), os.path.dirname(__file__)], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.split("RESULT ", 1)[1])
    one, two = out["1"], out["2"]
    assert (one["summary"]["devices"], two["summary"]["devices"]) == (1, 2)
    assert one["summary"]["precision"] == two["summary"]["precision"] == "float32"
    # Every training batch (8 rows, and the last 6) was split in halves over the two devices.
    assert {(tuple(g), tuple(s), n) for g, s, n in two["seen"]} == {
        ((8, 16, 16, 3), (4, 16, 16, 3), 2), ((6, 16, 16, 3), (3, 16, 16, 3), 2)}
    assert {n for _, _, n in one["seen"]} == {1}
    # Sharded reductions round differently, and Adam carries that on (a validation pad counted as a
    # row would move val_loss by several per cent).
    for column in ("loss", "val_loss", "accuracy", "val_accuracy"):
        np.testing.assert_allclose(two["history"][column], one["history"][column], rtol=1e-4, atol=1e-6,
                                   err_msg=column)
    np.testing.assert_allclose(two["predictions"], one["predictions"], atol=1e-4)
    # The same weights predict the same on two devices, the padding rows dropped.
    assert len(out["one_on_two"]) == 29
    np.testing.assert_allclose(out["one_on_two"], one["predictions"], rtol=1e-6, atol=1e-7)
    assert out["topped_up_epochs"]
    assert out["three"] == "--devices 3: this machine has 2 local CPU device(s) (cpu:0, cpu:1)"
