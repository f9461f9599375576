import sys
import textwrap

import keras
import numpy as np
import pytest

from compete.common.models import backbones, finetune
from compete.common.models.backbones import get_spec, list_backbones, register_backbone
from compete.common.errors import DataError
from compete.common.models.classifier import build_image_classifier


@pytest.mark.parametrize("name", list_backbones())
def test_every_registered_backbone_builds_and_runs(name):
    size = max(get_spec(name).min_size, 32)
    model = build_image_classifier(name, size, 5, "sigmoid", weights=None)
    out = model.predict(np.random.default_rng(0).integers(0, 255, (2, size, size, 3)).astype("float32"), verbose=0)
    assert out.shape == (2, 5) and np.all(np.isfinite(out)) and np.all((out >= 0) & (out <= 1))


def test_required_builtins_are_registered():
    assert {"vgg16", "resnet50", "mobilenet_v2", "small_cnn", "tiny_cnn"} <= set(list_backbones())
    assert list_backbones("resnet*") == ["resnet50"] or all(n.startswith("resnet") for n in list_backbones("resnet*"))


def test_unknown_backbone_lists_the_available_ones():
    with pytest.raises(ValueError, match="Unknown backbone 'resnet51'; available: .*resnet50"):
        get_spec("resnet51")


def test_weights_file_round_trip_and_mismatch(tmp_path):
    source = backbones.build_backbone("tiny_cnn", (16, 16, 3))
    path = tmp_path / "tiny.weights.h5"
    source.save_weights(path)
    loaded = backbones.build_backbone("tiny_cnn", (16, 16, 3), weights=str(path))
    for a, b in zip(source.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(DataError, match="weights do not fit backbone 'small_cnn'"):
        backbones.build_backbone("small_cnn", (16, 16, 3), weights=str(path))
    with pytest.raises(DataError, match="weights file not found"):
        backbones.build_backbone("tiny_cnn", (16, 16, 3), weights=str(tmp_path / "absent.weights.h5"))
    with pytest.raises(ValueError, match="no ImageNet weights"):
        backbones.build_backbone("tiny_cnn", (16, 16, 3), weights="imagenet")


def test_imagenet_weights_are_requested_from_keras_applications(monkeypatch):
    seen = {}

    def fake_resnet50(include_top, weights, input_shape):
        seen.update(include_top=include_top, weights=weights, input_shape=input_shape)
        return backbones.build_backbone("tiny_cnn", input_shape)

    monkeypatch.setattr(keras.applications, "ResNet50", fake_resnet50)
    backbones.build_backbone("resnet50", (64, 64, 3), weights="imagenet")
    assert seen == {"include_top": False, "weights": "imagenet", "input_shape": (64, 64, 3)}


def test_plugins_by_decorator_and_by_reference(tmp_path, monkeypatch):
    @register_backbone("test_plugin_net", preprocessing="tf", blocks=("block1_",), description="plugin")
    def plugin(input_shape, weights=None):
        return backbones.build_backbone("tiny_cnn", input_shape)

    assert "test_plugin_net" in list_backbones()
    assert build_image_classifier("test_plugin_net", 16, 3, "softmax").output_shape == (None, 3)

    (tmp_path / "my_backbones.py").write_text(textwrap.dedent("""
        import keras
        def mini(input_shape, weights=None):
            inputs = keras.Input(input_shape)
            return keras.Model(inputs, keras.layers.Conv2D(4, 3, name="c1")(inputs))
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    model = build_image_classifier("my_backbones:mini", 16, 2, "sigmoid")
    assert model.output_shape == (None, 2)
    with pytest.raises(ValueError, match="no attribute 'maxi'"):
        get_spec("my_backbones:maxi")
    sys.modules.pop("my_backbones", None)


def _trainable_names(model):
    return {layer.name for layer in model.get_layer("backbone").layers if layer.trainable and layer.weights}


def test_fine_tuning_modes():
    model = build_image_classifier("small_cnn", 32, 3, "sigmoid")
    blocks = get_spec("small_cnn").blocks
    assert finetune.set_trainable(model, "head", blocks) == 0
    assert not model.get_layer("backbone").trainable
    finetune.set_trainable(model, "partial", blocks, unfreeze_blocks=1)
    assert _trainable_names(model) == {"block4_conv1", "block4_conv2"}
    finetune.set_trainable(model, "partial", blocks, unfreeze_blocks=2)
    assert _trainable_names(model) == {"block3_conv1", "block3_conv2", "block4_conv1", "block4_conv2"}
    finetune.set_trainable(model, "full", blocks)
    assert _trainable_names(model) == {f"block{i}_conv{j}" for i in range(1, 5) for j in (1, 2)}
    finetune.set_trainable(model, "full", blocks, freeze_batchnorm=False)
    assert "block1_bn1" in _trainable_names(model)
    with pytest.raises(ValueError, match="unfreeze_blocks must be between 1 and 4"):
        finetune.set_trainable(model, "partial", blocks, unfreeze_blocks=5)
    with pytest.raises(ValueError, match="fine-tuning mode"):
        finetune.set_trainable(model, "most", blocks)


def test_saved_classifier_reloads_with_its_preprocessing(tmp_path):
    model = build_image_classifier("tiny_cnn", 16, 4, "softmax")
    x = np.random.default_rng(1).integers(0, 255, (3, 16, 16, 3)).astype("float32")
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(model.predict(x, verbose=0), reloaded.predict(x, verbose=0), rtol=1e-6)


@pytest.mark.parametrize("mode, expected", [("unit", 1.0), ("tf", 1.0), ("caffe", 255 - 103.939)])
def test_preprocessing_modes(mode, expected):
    from compete.common.models.classifier import Preprocess

    out = keras.ops.convert_to_numpy(Preprocess(mode)(np.full((1, 2, 2, 3), 255.0, "float32")))
    assert out[0, 0, 0, 0] == pytest.approx(expected, rel=1e-5)
