"""keras-hub presets as backbones (`--backbone hub:FOLDER`), from a tiny preset each test saves itself: built with the
preset's own weights, trained through the real CLI, exported and reloaded in a fresh process, keyed by its bytes."""

import json
import subprocess
import sys

import numpy as np
import pytest

from compete.common.models.backbones import build_backbone, get_spec
from compete.pipelines.cli import main

keras_hub = pytest.importorskip("keras_hub", reason="keras-hub is the `hub` extra, which the test command installs")


def _save_preset(folder, seed: int = 0, converter: bool = False):
    """A two-stage VGG (1,392 weights) written as a keras-hub preset folder."""
    import keras

    keras.utils.set_random_seed(seed)
    backbone = keras_hub.models.VGGBackbone(stackwise_num_repeats=[1, 1], stackwise_num_filters=[8, 16],
                                            image_shape=(None, None, 3))
    backbone.save_to_preset(str(folder))
    if converter:
        keras_hub.layers.ImageConverter(scale=[0.5, 0.25, 0.125], offset=[-1.0, 0.0, 1.0]).save_to_preset(str(folder))
    return folder, backbone


def _kernels(model):
    return {w.path.split("/", 1)[-1]: np.asarray(w) for w in model.weights if "kernel" in w.path}


def test_the_presets_own_weights_or_none_or_a_file(tmp_path):
    folder, original = _save_preset(tmp_path / "preset")
    spec = get_spec(f"hub:{folder}")
    assert spec.pretrained and spec.preprocessing == "raw"
    loaded = build_backbone(f"hub:{folder}", (32, 32, 3), "imagenet")  # imagenet: the preset's own weights
    theirs = _kernels(original)
    ours = _kernels(loaded)
    assert theirs and all(np.array_equal(ours[k], theirs[k]) for k in theirs)
    untrained = _kernels(build_backbone(f"hub:{folder}", (32, 32, 3), None))
    assert not all(np.array_equal(untrained[k], theirs[k]) for k in theirs)
    loaded.save_weights(tmp_path / "start.weights.h5")
    from_file = _kernels(build_backbone(f"hub:{folder}", (32, 32, 3), str(tmp_path / "start.weights.h5")))
    assert all(np.array_equal(from_file[k], theirs[k]) for k in theirs)
    assert loaded.output_shape == (None, 8, 8, 16)


def test_the_presets_image_converter_scales_the_pixels(tmp_path):
    folder, _ = _save_preset(tmp_path / "preset", converter=True)
    model = build_backbone(f"hub:{folder}", (32, 32, 3), "imagenet")
    scaling = model.get_layer("preset_scaling")
    pixels = np.full((1, 32, 32, 3), 200.0, np.float32)
    np.testing.assert_allclose(np.asarray(scaling(pixels))[0, 0, 0], [99.0, 50.0, 26.0])
    plain, _ = _save_preset(tmp_path / "plain")
    np.testing.assert_allclose(np.asarray(build_backbone(f"hub:{plain}", (32, 32, 3), None)
                                          .get_layer("preset_scaling")(pixels))[0, 0, 0], [200 / 255] * 3, rtol=1e-6)


def test_a_folder_that_is_no_preset_is_one_line_before_any_data_is_read(tmp_path, planet_sample, capsys):
    (tmp_path / "empty").mkdir()
    for backbone, says in ((f"hub:{tmp_path / 'empty'}", "not a keras-hub preset folder"),
                           (f"hub:{tmp_path / 'absent' / 'x'}", "no such preset folder"),
                           ("hub:", "needs a preset")):
        code = main(["planet", "cv", "--data", str(planet_sample), "--backbone", backbone,
                     "--runs-dir", str(tmp_path / "runs")])
        err = capsys.readouterr().err
        assert code == 2 and says in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "runs").exists()


def test_trains_through_the_cli_exports_and_reloads_in_a_fresh_process(tmp_path, planet_sample, capsys):
    folder, _ = _save_preset(tmp_path / "preset")
    args = ["--data", str(planet_sample), "--backbone", f"hub:{folder}", "--weights", "imagenet", "--image-size",
            "32", "--epochs", "1", "--head-epochs", "1", "--n-splits", "2", "--tta", "1", "--batch-size", "32",
            "--runs-dir", str(tmp_path / "runs"), "-q"]
    assert main(["planet", "cv", *args, "--run", "hub"]) == 0
    run = tmp_path / "runs" / "planet" / "hub"
    assert json.loads((run / "scores.json").read_text())["f2_at_0.5"] > 0
    out = tmp_path / "export"
    assert main(["planet", "export", "hub", "--unit", "seed0/fold1", "--out", str(out),
                 "--runs-dir", str(tmp_path / "runs")]) == 0
    images = np.random.default_rng(0).integers(0, 255, (3, 32, 32, 3)).astype("uint8")
    np.save(tmp_path / "images.npy", images)
    code = ("import sys, numpy as np, keras\n"
            "from compete.common.models import serializable\n"
            "serializable.prepare(sys.argv[1] + '/model.keras')\n"
            "model = keras.saving.load_model(sys.argv[1] + '/model.keras', compile=False)\n"
            "np.save(sys.argv[2], model.predict(np.load(sys.argv[3]), verbose=0))\n")
    done = subprocess.run([sys.executable, "-c", code, str(out), str(tmp_path / "fresh.npy"),
                           str(tmp_path / "images.npy")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    from compete.common.training.image_learner import load_model

    here = load_model(run / "seed0" / "fold1").predict(images, verbose=0)
    np.testing.assert_allclose(np.load(tmp_path / "fresh.npy"), here, atol=1e-6)


def test_a_preset_with_other_weights_is_another_unit(tmp_path):
    from compete.common.settings import resolve
    from compete.pipelines.planet import PlanetConfig

    folder, _ = _save_preset(tmp_path / "preset", seed=0)
    settings = {"data": str(tmp_path), "backbone": f"hub:{folder}", "image_size": 32}
    before = resolve(PlanetConfig, None, settings).unit_settings()
    assert resolve(PlanetConfig, None, settings).unit_settings() == before
    _save_preset(folder, seed=1)  # same folder, other weights
    after = resolve(PlanetConfig, None, settings).unit_settings()
    assert after["starting_files"] != before["starting_files"]
    assert {k: v for k, v in after.items() if k != "starting_files"} == \
        {k: v for k, v in before.items() if k != "starting_files"}
