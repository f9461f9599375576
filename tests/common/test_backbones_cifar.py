"""The CIFAR backbones: build by name, right output shape, ResNet depth, blocks for partial fine-tuning."""

import keras
import numpy as np
import pytest

from compete.common.models import finetune
from compete.common.models.backbones import get_spec, list_backbones
from compete.common.models.backbones.cifar_nets import cifar_resnet
from compete.common.models.classifier import build_image_classifier

pytestmark = pytest.mark.heavy

CIFAR_MODELS = ["lenet5", "deep_cnn", "resnet20", "resnet56", "resnet9_half"]


def _weighted(model):
    layers = model.get_layer("backbone").layers + model.layers
    return [layer for layer in layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))]


@pytest.mark.parametrize("name", CIFAR_MODELS)
def test_builds_by_name_with_ten_class_output(name):
    assert name in list_backbones()
    model = build_image_classifier(name, 32, 10, "softmax", weights=None)
    out = model.predict(np.random.default_rng(0).integers(0, 255, (3, 32, 32, 3)).astype("float32"), verbose=0)
    assert out.shape == (3, 10) and np.allclose(out.sum(axis=1), 1, atol=1e-5)
    spec = get_spec(name)
    for prefix in spec.blocks:
        assert any(layer.name.startswith(prefix) for layer in model.get_layer("backbone").layers), prefix


@pytest.mark.parametrize("name,depth", [("resnet20", 20), ("resnet56", 56)])
def test_resnet_depth_counts_weighted_layers(name, depth):
    model = build_image_classifier(name, 32, 10, "softmax", weights=None)
    assert len(_weighted(model)) == depth
    widths = [layer.filters for layer in _weighted(model) if isinstance(layer, keras.layers.Conv2D)]
    assert sorted(set(widths)) == [16, 32, 64]
    assert model.get_layer("backbone").output.shape[1:] == (8, 8, 64)


def test_resnet20_has_about_270k_parameters():
    assert 0.26e6 < build_image_classifier("resnet20", 32, 10, "softmax").count_params() < 0.28e6


@pytest.mark.parametrize("name,width", [("resnet9", 64), ("resnet9_half", 32)])
def test_resnet9_has_page_s_eight_convolutions_widths_and_two_residuals(name, width):
    model = build_image_classifier(name, 32, 10, "softmax", weights=None)
    backbone = model.get_layer("backbone")
    convs = [layer for layer in backbone.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) == 8 and len(_weighted(model)) == 9
    assert [c.filters for c in convs] == [width, 2 * width, 2 * width, 2 * width, 4 * width, 8 * width, 8 * width,
                                          8 * width]
    assert sum(isinstance(layer, keras.layers.Add) for layer in backbone.layers) == 2
    assert backbone.output.shape[1:] == (4, 4, 8 * width)
    # 6.57M parameters at full width, as the reference network.
    assert (6.5e6 < model.count_params() < 6.65e6) if width == 64 else (1.6e6 < model.count_params() < 1.7e6)


def test_bad_depth_rejected():
    with pytest.raises(ValueError, match="6n\\+2"):
        cifar_resnet((32, 32, 3), 21)


def test_partial_fine_tuning_opens_only_the_last_stage():
    model = build_image_classifier("resnet20", 32, 10, "softmax")
    finetune.set_trainable(model, "partial", get_spec("resnet20").blocks, unfreeze_blocks=1, freeze_batchnorm=False)
    trainable = {layer.name for layer in model.get_layer("backbone").layers if layer.trainable and layer.weights}
    assert trainable and all(name.startswith("stage3_") for name in trainable)


def test_saved_resnet_loads_back(tmp_path):
    model = build_image_classifier("resnet20", 32, 10, "softmax")
    x = np.random.default_rng(1).integers(0, 255, (2, 32, 32, 3)).astype("float32")
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(model.predict(x, verbose=0), loaded.predict(x, verbose=0), atol=1e-6)


def test_any_backbone_fine_tunes_at_an_upscaled_size():
    model = build_image_classifier("mobilenet_v2", 64, 10, "softmax", weights=None)
    assert model.input_shape == (None, 64, 64, 3) and model.output_shape == (None, 10)


def test_a_saved_resnet_loads_in_a_fresh_process_through_the_learner(tmp_path):
    """The registry no longer imports the networks' module, so loading must register its layers itself."""
    import subprocess
    import sys

    save = ("from compete.common.models.classifier import build_image_classifier\n"
            f"build_image_classifier('resnet20', 16, 3, 'softmax').save({str(tmp_path / 'model.keras')!r})\n")
    load = ("import numpy as np\n"
            "from compete.common.training.image_learner import load_model\n"
            f"model = load_model({str(tmp_path)!r})\n"
            "print(model.predict(np.zeros((2, 16, 16, 3), 'uint8'), verbose=0).shape)\n")
    for code in (save, load):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "(2, 3)"
